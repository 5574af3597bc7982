"""Writes bpe_cases.json: token ids that Hugging Face `tokenizers` gives for tricky texts, using the
byte-level BPE tokenizer described by the default model's GGUF metadata (as transformers builds it from
a GGUF file: BPE over tokenizer.ggml.tokens / .merges, ByteLevel pre-tokenizer with the GPT-2 split and
no prefix space, ByteLevel decoder, control tokens as special tokens, no BOS).

Needs: pip install tokenizers gguf; the model from scripts/setup.sh.
Run:   python3 Tests/TokenizersTests/Fixtures/make_tokenizer_fixture.py
"""
import json
import os

import gguf
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.abspath(os.path.join(here, "..", "..", ".."))
reader = gguf.GGUFReader(os.path.join(root, "models", "SmolLM2-135M-Instruct.Q4_1.gguf"))
tokens = reader.fields["tokenizer.ggml.tokens"].contents()
merges = reader.fields["tokenizer.ggml.merges"].contents()
types = reader.fields["tokenizer.ggml.token_type"].contents()

tok = Tokenizer(models.BPE({t: i for i, t in enumerate(tokens)}, [tuple(m.split(" ", 1)) for m in merges]))
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
tok.decoder = decoders.ByteLevel()
tok.add_special_tokens([AddedToken(tokens[i], special=True, normalized=False) for i, t in enumerate(types) if t in (3, 4)])

reference = os.path.join(root, "..", "shared", "reference", "tokens_head.json")
if os.path.exists(reference):
    head = json.load(open(reference))
    assert tok.encode(head["text"]).ids == head["ids"], "the fixture tokenizer does not reproduce tokens_head.json"

texts = [
    "",
    "Hello world",
    " leading space, trailing space ",
    "In the beginning God created the heaven and the earth.\nAnd the earth was without form, and void.",
    "Tabs\tand\t\ttabs, newlines\n\n\nand   three spaces, then a lone\r\n carriage return.",
    "   \n  \t ",
    "Contractions: it's, don't, we're, they've, I'm, you'll, he'd; UPPER: IT'S, DON'T; curly: it’s, don’t.",
    "Quotes 'single' and \"double\" and ''doubled'' and 's at the start.",
    "Digits 0 1 12 123 1234 12345 3.14159 1,000,000 and 2024-11-23, 0x1F, 1e-5, ½ and ² and ٣.",
    "Café naïve résumé coöperate — façade; Ærøskøbing; Straße; İstanbul.",
    "Combining: e\u0301 a\u0308 n\u0303; Hangul 한국어; Japanese 日本語のテキスト; Chinese 中文分词测试。",
    "Emoji: 👋🏽 🇫🇷 👨‍👩‍👧 ❤️ and ZWJ sequences.",
    "Right to left: עברית and العربية mixed with English.",
    "Punctuation runs!!! ??? ... --- *** ((nested)) [[brackets]] {{braces}} <<<>>> @#$%^&*",
    "Non-breaking\u00a0space and thin\u2009space and ideographic\u3000space.",
    "<|im_start|>user\nhi there<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>",
    "special<|endoftext|>glued<|endoftext|><|endoftext|>end",
    "Not special: <|im_start and im_end|> and <repo_name without close",
    "code: def f(x):\n    return x ** 2  # comment\n\tif x != 0: print(f'{x}')",
    "URL https://example.org/path?query=1&b=2#frag and email a.b@c.de",
    "Mixed123Letters456 and α1β2γ3 and x_y_z",
    "trailing newline\n",
    "Long word: Pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism",
    "\u2028line separator\u2029paragraph separator\u0085next line",
    # Longer passages, so the fixture covers a few thousand characters of ordinary and odd text.
    ("We measured perplexity on 452 windows of 512 tokens (230,972 predicted positions) and found 20.24; "
     "after pruning 30% of the feed-forward rows it rose to 348.4 -- a 17.2x increase.  Why?  Because "
     "the model's FFN neurons aren't equally important: some carry most of the signal, others almost none. "
     "The scorer 'wpr' (weighted PageRank, gamma=0.5, theta=0.5) ranks them by centrality; 'wanda' uses |W|*||X||.\n\n"
     "    Indented block:\n\tline one\n\tline two\n") * 3,
    ("Ελληνικά: Ἐν ἀρχῇ ἦν ὁ λόγος. Русский: В начале было Слово. Deutsch: Im Anfang war das Wort. "
     "Français: Au commencement était la Parole. Español: En el principio era el Verbo. Polski: Na początku było Słowo. "
     "Türkçe: Başlangıçta Söz vardı. Tiếng Việt: Ban đầu có Ngôi Lời. हिन्दी: आदि में वचन था। ไทย: ในปฐมกาลพระวาทะทรงดำรงอยู่ "),
    "".join(chr(c) for c in range(0x20, 0x7F)) + "".join(chr(c) for c in range(0xA0, 0x180)),
]
cases = [{"text": t, "ids": tok.encode(t).ids, "decoded": tok.decode(tok.encode(t).ids, skip_special_tokens=False)} for t in texts]
with open(os.path.join(here, "bpe_cases.json"), "w") as f:
    json.dump(cases, f, ensure_ascii=False, indent=1)
print(f"{len(cases)} cases, {sum(len(c['ids']) for c in cases)} tokens, {sum(len(t) for t in texts)} characters")
