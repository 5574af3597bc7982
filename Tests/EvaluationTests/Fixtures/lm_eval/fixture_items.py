"""The task items behind the lm-eval parity fixtures, written for this project.

None of these items is copied from the real data sets; each follows its data set's own
schema (the fields lm-eval's task YAMLs read) so that lm-eval's own task definitions run
on them unchanged. make_fixtures.py writes them to tasks/<task>.jsonl with `datasets`'
`Dataset.to_json` (JSON Lines, non-ASCII escaped as \\uXXXX as pandas does by default).

They are deliberately awkward: punctuation, digits, quotes, accented letters, CJK and emoji
(so a choice's length in characters and in UTF-8 bytes differ), hellaswag's WikiHow
markers ([title], [header], [step], [substeps]) and double spaces that its preprocess
strips, wikitext markup that lm-eval's detokenizer rewrites, a lambada passage whose last
"word" holds a newline, one whose last word follows a double space, and so on.
"""

# ---------------------------------------------------------------------------------------
# hellaswag (Rowan/hellaswag): ind, activity_label, ctx_a, ctx_b, ctx, endings, source_id,
# split, split_type, label (a string). lm-eval reads activity_label, ctx_a, ctx_b,
# endings and label; ctx is kept as the real data has it (ctx_a + " " + ctx_b).
# ---------------------------------------------------------------------------------------
_HS = [
    # (activity_label, ctx_a, ctx_b, endings, label, source)
    ("Making a sandwich",
     "A woman lays two slices of bread on a wooden board.", "she",
     ["spreads peanut butter on one slice with a knife.",
      "throws the bread into a swimming pool.",
      "starts singing into a microphone on a stage.",
      "paints the board bright blue and walks away."], 0, "activitynet"),
    ("Playing violin",
     "A young man tucks a violin under his chin in a quiet room.", "he",
     ["eats the violin in three quick bites.",
      "folds the violin into a paper plane.",
      "draws the bow across the strings and plays a slow melody.",
      "jumps over the roof of the house."], 2, "activitynet"),
    ("Washing a car",
     "A man sprays a red car with a garden hose in a driveway.", "then he",
     ["scrubs the doors with a soapy sponge.",
      "drives the hose to the supermarket.",
      "reads a newspaper underwater.",
      "plants the sponge in a flower pot."], 0, "activitynet"),
    ("Café au lait",
     "A barista in Montréal steams a small jug of milk.", "she",
     ["pours the milk into a bowl of café and hands it to a customer.",
      "puts the jug on her head and dances.",
      "throws the milk at the ceiling fan.",
      "mails the jug to Zürich."], 0, "activitynet"),
    ("Skateboarding",
     "A teenager rolls down a ramp at the skate park.", "the teenager",
     ["flips the board twice and lands smoothly.",
      "turns into a bird and flies to the moon.",
      "opens a bank account at the bottom of the ramp.",
      "begins knitting a scarf mid-air."], 0, "activitynet"),
    ("Cooking",
     "A chef cracks   three eggs into a bowl.", "he",
     ["whisks them with a fork until they foam.",
      "glues the shells back together perfectly.",
      "reads the eggs a bedtime story.",
      "drops the bowl into the dishwasher unopened."], 0, "activitynet"),
    ("Tai chi",
     "An old man stands in a park at dawn with his arms raised.", "the man",
     ["moves slowly through a sequence of flowing poses.",
      "starts a chainsaw and cuts down the sky.",
      "shouts the alphabet backwards at a pigeon.",
      "unscrews his left arm and puts it in a bag."], 0, "activitynet"),
    ("Brushing teeth",
     "A girl squeezes toothpaste onto a small brush.", "she",
     ["brushes the hair of her doll with the toothpaste.",
      "brushes her teeth in small circles, then rinses.",
      "mails the toothbrush to her grandmother.",
      "eats the whole tube like a sandwich."], 1, "activitynet"),
    ("Sushi",
     "A cook spreads rice over a sheet of nori on a bamboo mat.", "he",
     ["adds strips of cucumber and salmon and rolls the mat tightly.",
      "sets the mat on fire and leaves the kitchen.",
      "然后把米饭扔到窗外。",
      "🍣🍣🍣🍣"], 0, "activitynet"),
    ("Calligraphy",
     "A student dips a brush into black ink and holds it above rice paper.", "she",
     ["writes the character 永 with eight careful strokes.",
      "zqx vwk plm trb gnf.",
      "永永永永永",
      "throws the ink on the dog."], 0, "activitynet"),
    ("Gardening",
     "A man kneels beside a row of tomato plants.", "the man",
     ["ties each stem to a wooden stake with string.",
      "asks the tomatoes for directions to the station.",
      "pours motor oil over every leaf.",
      "🌱🌱🌱"], 0, "activitynet"),
    ("Running a marathon",
     "Runners cross the 42 km line while a crowd cheers.", "a volunteer",
     ["hands out cups of water and foil blankets.",
      "locks the runners inside a cupboard.",
      "sells them 3 tickets to Mars for €1,000,000.",
      "ランナーに水を渡す。"], 0, "activitynet"),
    ("Ice skating",
     "A pair of skaters glide onto the rink under bright lights.", "they",
     ["spin together and the crowd applauds.",
      "melt the ice with a hair dryer.",
      "order a pizza from the judges' table.",
      "スピンする"], 0, "activitynet"),
    ("Piano",
     "A pianist sits down and opens the lid of a grand piano.", "she",
     ["plays a Chopin nocturne, her hands moving softly.",
      "climbs inside and closes the lid.",
      "feeds sheet music to the piano, page by page.",
      "🎹"], 0, "activitynet"),
    ("Haircut",
     "A barber wraps a cape around a customer's neck.", "the barber",
     ["trims the back with clippers and checks it in the mirror.",
      "cuts the chair in half with scissors.",
      "paints the customer's ears green.",
      "leaves for a two-week holiday."], 0, "activitynet"),
    ("Knitting",
     "An elderly woman holds two needles and a ball of wool.", "she",
     ["loops the yarn and knits row after row of a scarf.",
      "throws the needles like darts at the clock.",
      "plants the ball of wool in her garden.",
      "niña pequeña señora año."], 0, "activitynet"),
    ("Home and Garden",
     "[header] How to water a cactus [title] Check the soil first. [step] Push a finger into the soil.", "",
     ["If it is dry two inches down, it is time to water. [substeps] Water slowly at the base.",
      "Cactus plants need to be watered every hour. [substeps] Use ice cubes only.",
      "Paint the soil blue to keep it moist.",
      "[title] Sing to the cactus. [step] Cacti prefer opera."], 0, "wikihow"),
    ("Personal Care and Style",
     "[header] How to tie a tie [title] Drape the tie around your neck. [step] The wide end should hang lower than the narrow end.", "",
     ["[title] Cross the wide end over the narrow end. [step] Then loop it up through the neck hole.",
      "[title] Cut the tie in half. [step] Glue the ends together.",
      "[title] Put the tie in the freezer. [step] Wait two days.",
      "[title] Eat the narrow end."], 0, "wikihow"),
    ("Food and Entertaining",
     "[header] How to make crème brûlée [title] Heat the cream. [step] Warm  the cream with a vanilla pod until it steams.", "",
     ["[title] Whisk the yolks with sugar. [step] Pour the warm cream in slowly, stirring all the time.",
      "[title] Freeze the vanilla pod. [step] Throw the cream away.",
      "[title] Add ketchup. [step] Bake at 900°C for 3 hours.",
      "[title] 加入酱油。 [step] 然后煮沸。"], 0, "wikihow"),
    ("Computers and Electronics",
     "[header] How to restart a router [title] Unplug the router. [step] Wait about 30 seconds.", "",
     ["[title] Plug it back in. [step] Wait for the lights to turn green before reconnecting.",
      "[title] Throw the router into a lake. [step] Buy a new lake.",
      "[title] Microwave the cable. [step] 2 minutes on high.",
      "[title] Call the router's mother."], 0, "wikihow"),
    ("Pets and Animals",
     "[header] How to groom a long-haired cat [title] Choose a wide-toothed comb.", "[step] start",
     ["at the neck and comb gently toward the tail. [substeps] Work out knots with your fingers.",
      "by shaving the cat completely bald.",
      "with a garden rake and a bucket of glue.",
      "the lawnmower and call the cat."], 0, "wikihow"),
    ("Sports and Fitness",
     "[header] How to start running [title] Buy supportive shoes. [step] Visit a running store and try several pairs.", "",
     ["[title] Begin with short runs. [step] Alternate 1 minute of running with 2 minutes of walking.",
      "[title] Run a marathon on day one. [step] Do not drink water.",
      "[title] Run backwards only. [step] Keep your eyes closed.",
      "[title] Sell your shoes."], 0, "wikihow"),
    ("Finance and Business",
     "[header] How to save money on groceries [title] Make a list before you shop.", "[step] check",
     ["what is already in your fridge and plan meals for the week.",
      "the price of gold in Tokyo every hour.",
      "the list into the river and shop at random.",
      "¥¥¥ €€€ £££"], 0, "wikihow"),
    ("Travel",
     "[header] How to pack a carry-on bag [title] Roll your clothes. [step] Rolling saves space and reduces creases.", "",
     ["[title] Put liquids in a clear bag. [step] Each bottle must hold 100 ml or less.",
      "[title] Pack your sofa. [step] Fold it twice.",
      "[title] Fill the bag with sand. [step] Airlines love sand.",
      "[title] 行李箱里装满水。"], 0, "wikihow"),
    ("Education and Communications",
     "[header] How to write a thank-you note [title] Start with a greeting. [step] Write \"Dear Ana,\" on the first line.", "",
     ["[title] Thank them for something specific. [step] Mention the gift and how you will use it.",
      "[title] Complain about the gift. [step] Ask for cash instead.",
      "[title] Write in invisible ink. [step] Never send it.",
      "[title] Draw a 🦆."], 0, "wikihow"),
    ("Health",
     "[header] How to treat a minor burn [title] Cool the burn. [step] Hold it under cool running water for 10 to 20 minutes.", "",
     ["[title] Cover it loosely. [step] Use a sterile, non-stick bandage.",
      "[title] Put butter on it. [step] Then rub in salt.",
      "[title] Heat it again with a lighter.",
      "[title] Ignore it for a year."], 0, "wikihow"),
    ("Hobbies and Crafts",
     "[header] How to fold a paper crane [title] Start with a square sheet. [step] Fold it in half diagonally both ways.", "",
     ["[title] Make a square base. [step] Collapse the paper along the creases.",
      "[title] Set the paper on fire. [step] Admire the ashes.",
      "[title] Use wet paper only.",
      "[title] 折纸鹤。 [step] 千羽鶴を作る。"], 0, "wikihow"),
    ("Arts and Entertainment",
     "[header] How to learn a magic trick [title] Pick a simple trick.", "[step] practise",
     ["in front of a mirror until the moves are smooth.",
      "on a real tiger before trying cards.",
      "never, and perform it for 10,000 people tonight.",
      "«abracadabra» — ¡olé!"], 0, "wikihow"),
    ("Baking",
     "A baker dusts the counter with flour and kneads a large ball of dough.", "after ten minutes, the baker",
     ["shapes the dough into loaves and sets them to rise.",
      "puts the dough on a leash and walks it.",
      "sends the dough to the moon by post.",
      "ça ne marche pas, dit-il."], 0, "activitynet"),
    ("Fishing",
     "A man casts a line from a wooden pier at sunset.", "a few minutes later, he",
     ["reels in a small silver fish and lets it go.",
      "reels in a grand piano still playing jazz.",
      "catches the sunset and puts it in a jar.",
      "🎣🐟"], 0, "activitynet"),
    ("Surfing",
     "A surfer paddles out past the breaking waves.", "the NASA team on the beach",
     ["watches as she stands up and rides a wave to shore.",
      "launches a rocket into the wave.",
      "asks the ocean for its passport.",
      "サーフィンを見ている。"], 0, "activitynet"),
    ("Painting a fence",
     "Two kids dip wide brushes into a can of white paint.", "they",
     ["paint the fence boards with long, even strokes.",
      "paint the dog, the cat and the neighbour's car.",
      "drink the paint and turn into ghosts.",
      "\"Done!\" they shout — 5 minutes later."], 0, "activitynet"),
    # two items where normalising by characters and by UTF-8 bytes pick different endings
    ("Greeting",
     "A tourist from Beijing walks into a small bakery in Lyon.", "she smiles and says",
     ["你好！", "hi", "xkcd", "qqqq"], 0, "activitynet"),
    ("Texting",
     "A girl reads a joke on her phone and giggles.", "she answers with",
     ["🤣🤣🤣", "lol", "zxq", "brb ok"], 0, "activitynet"),
]

# Varying the gold index: rotate the endings of every item whose position is odd/even so
# the right answer is not always at 0 (the rotation keeps the texts, moves the label).
HELLASWAG = []
for i, (act, ctx_a, ctx_b, endings, label, source) in enumerate(_HS):
    k = (i * 3) % 4 if label == 0 else 0
    endings = endings[-k:] + endings[:-k] if k else list(endings)
    label = (label + k) % 4
    HELLASWAG.append({
        "ind": 4000 + 7 * i,
        "activity_label": act,
        "ctx_a": ctx_a,
        "ctx_b": ctx_b,
        "ctx": ctx_a + " " + ctx_b if ctx_b else ctx_a,
        "endings": endings,
        "source_id": f"{source}~fixture_{i:03d}",
        "split": "val",
        "split_type": "indomain" if i % 3 else "zeroshot",
        "label": str(label),
    })

# ---------------------------------------------------------------------------------------
# piqa (baber/piqa): goal, sol1, sol2, label (int 0/1)
# ---------------------------------------------------------------------------------------
PIQA = [
    {"goal": "How do you keep a banana from turning brown too fast?",
     "sol1": "Wrap the stem in plastic film.", "sol2": "Put the banana in the oven overnight.", "label": 0},
    {"goal": "To open a stuck jar lid,",
     "sol1": "tap the lid edge on the counter, then twist.", "sol2": "pour glue around the lid, then twist.", "label": 0},
    {"goal": "Remove a splinter from a finger.",
     "sol1": "Soak the finger in hot coffee for an hour.", "sol2": "Sterilise tweezers and pull the splinter out along its angle.", "label": 1},
    {"goal": "How can I make ice cubes that are clear?",
     "sol1": "Boil the water twice, let it cool, then freeze it slowly.", "sol2": "Freeze the water as fast as possible with salt on top.", "label": 0},
    {"goal": "Clean a cast-iron pan without removing its seasoning.",
     "sol1": "Run it through the dishwasher on the hottest cycle.", "sol2": "Scrub it with coarse salt and a little oil, then wipe it dry.", "label": 1},
    {"goal": "Measure 250 ml of flour without a measuring cup.",
     "sol1": "Use a kitchen scale: about 125 g is close enough.", "sol2": "Count 250 grains of flour.", "label": 0},
    {"goal": "How do I make a crème brûlée crust?",
     "sol1": "Sprinkle sugar on top and caramelise it with a torch.", "sol2": "Sprinkle salt on top and put it in the freezer.", "label": 0},
    {"goal": "Keep a candle from dripping wax on the table.",
     "sol1": "Put the candle on a plate or in a holder.", "sol2": "Light both ends of the candle.", "label": 0},
    {"goal": "To dry wet shoes quickly,",
     "sol1": "stuff them with newspaper and change it every hour.", "sol2": "fill them with water and leave them in the sun.", "label": 0},
    {"goal": "Write the number “one thousand two hundred” in digits.",
     "sol1": "1,200", "sol2": "12,00,0", "label": 0},
    {"goal": "How do you say thank you in Japanese?",
     "sol1": "ありがとう", "sol2": "zqxwv", "label": 0},
    {"goal": "Make a quick emoji to show you are happy.",
     "sol1": "😀", "sol2": "qqqq", "label": 0},
    {"goal": "Stop a door from squeaking.",
     "sol1": "Rub a little soap or oil on the hinges.", "sol2": "Slam it harder until it stops.", "label": 0},
    {"goal": "Tell whether an egg is still fresh.",
     "sol1": "Put it in a bowl of water; fresh eggs sink.", "sol2": "Shake it next to your ear for 10 minutes.", "label": 0},
    {"goal": "Label a box so movers know it holds plates.",
     "sol1": "Write \"FRAGILE — PLATES\" on every side.", "sol2": "Write nothing and hope for the best.", "label": 0},
    {"goal": "How to find the square root of 144?",
     "sol1": "It is 12, since 12 × 12 = 144.", "sol2": "It is 72, since 144 ÷ 2 = 72.", "label": 0},
    {"goal": "Keep bread fresh for longer.",
     "sol1": "Store it in the refrigerator door with the lid open.", "sol2": "Slice it, bag it and freeze what you won't eat in two days.", "label": 1},
    {"goal": "How do you spell \"naïve\" correctly?",
     "sol1": "naïve", "sol2": "naiive", "label": 0},
    {"goal": "Greet someone politely in Chinese.",
     "sol1": "你好", "sol2": "xkcd", "label": 0},
    {"goal": "Get a ring off a swollen finger.",
     "sol1": "Cool the hand, raise it, and slide the ring off with soap.", "sol2": "Heat the ring with a lighter until it falls off.", "label": 0},
    {"goal": "To make a paper boat float longer,",
     "sol1": "rub candle wax over the outside of the paper.", "sol2": "soak the paper in water before folding.", "label": 0},
    {"goal": "How do you cool soup fast?",
     "sol1": "Stir it in a pot set in a sink of ice water.", "sol2": "Cover it with a thick blanket.", "label": 0},
    {"goal": "Find north without a compass at night.",
     "sol1": "Look for Polaris, the star at the end of the Little Dipper.", "sol2": "Look for the brightest street lamp.", "label": 0},
    {"goal": "Fix a wobbly table.",
     "sol1": "Fold a piece of cardboard and wedge it under the short leg.", "sol2": "Saw 5 cm off the longest leg, then the next one, and so on.", "label": 0},
    {"goal": "What's a fast way to peel garlic?",
     "sol1": "Shake the cloves hard between two metal bowls.", "sol2": "Boil them in milk for three hours.", "label": 0},
    {"goal": "To write Señor on a keyboard without ñ,",
     "sol1": "type n and add the tilde with the compose key.", "sol2": "type Senior and hope.", "label": 0},
    {"goal": "Protect your phone screen from scratches.",
     "sol1": "Keep it in the same pocket as your keys.", "sol2": "Put a tempered-glass protector on it.", "label": 1},
    {"goal": "Heat a small room in winter efficiently.",
     "sol1": "Close the door and use a small electric heater.", "sol2": "Open every window so the heat can spread.", "label": 0},
    {"goal": "Make a 🍕 at home.",
     "sol1": "Top a rolled-out dough with tomato and cheese and bake it hot.", "sol2": "Stack slices of bread with jam and freeze them.", "label": 0},
    {"goal": "Loosen a tight screw.",
     "sol1": "Turn it counter-clockwise: lefty loosey.", "sol2": "Turn it clockwise harder: righty loosey.", "label": 0},
    {"goal": "How can you tell °C from °F on a thermometer?",
     "sol1": "Water freezes at 0 on the Celsius scale and at 32 on the Fahrenheit one.", "sol2": "Celsius is always the red side.", "label": 0},
    {"goal": "Sharpen a pencil without a sharpener.",
     "sol1": "Carefully shave the wood with a knife, away from you.", "sol2": "Put it in the toaster.", "label": 0},
]

# ---------------------------------------------------------------------------------------
# winogrande (allenai/winogrande, winogrande_xl): sentence (one "_"), option1, option2,
# answer ("1"/"2")
# ---------------------------------------------------------------------------------------
WINOGRANDE = [
    {"sentence": "The trophy did not fit in the suitcase because the _ was too big.", "option1": "trophy", "option2": "suitcase", "answer": "1"},
    {"sentence": "The trophy did not fit in the suitcase because the _ was too small.", "option1": "trophy", "option2": "suitcase", "answer": "2"},
    {"sentence": "Maria lent her umbrella to Zoë because _ was going out into the rain.", "option1": "Maria", "option2": "Zoë", "answer": "2"},
    {"sentence": "The ice cube melted faster on the pan than on the plate because the _ was hot.", "option1": "pan", "option2": "plate", "answer": "1"},
    {"sentence": "Kenji could lift the box but not the crate, since the _ was lighter.", "option1": "box", "option2": "crate", "answer": "1"},
    {"sentence": "The laptop ran for 9 hours but the tablet died after 2, so the _ had the better battery.", "option1": "laptop", "option2": "tablet", "answer": "1"},
    {"sentence": "François taught Liam to cook, because _ had worked as a chef in Lyon.", "option1": "François", "option2": "Liam", "answer": "1"},
    {"sentence": "The soup was colder than the tea, so Ana drank the _ first to warm up.", "option1": "soup", "option2": "tea", "answer": "2"},
    {"sentence": "The cat chased the mouse under the sofa, but _ was too big to follow.", "option1": "the cat", "option2": "the mouse", "answer": "1"},
    {"sentence": "The library was quieter than the café, so Priya studied in the _.", "option1": "library", "option2": "café", "answer": "1"},
    {"sentence": "Ahmed bought the cheaper phone rather than the faster one, because the _ fit his budget.", "option1": "cheaper phone", "option2": "faster one", "answer": "1"},
    {"sentence": "The glass broke when it hit the tiles, because the _ was fragile.", "option1": "glass", "option2": "tiles", "answer": "1"},
    {"sentence": "Sofía gave Björn her notes since _ had missed the lecture on Tuesday.", "option1": "Sofía", "option2": "Björn", "answer": "2"},
    {"sentence": "The plant by the window grew taller than the one in the hallway, because the _ got more sun.", "option1": "plant by the window", "option2": "one in the hallway", "answer": "1"},
    {"sentence": "The river was easier to cross than the lake, as the _ was narrow.", "option1": "river", "option2": "lake", "answer": "1"},
    {"sentence": "Wei's \"quick\" recipe took longer than Tom's, so _ recipe was slower.", "option1": "Wei's", "option2": "Tom's", "answer": "1"},
    {"sentence": "The blanket kept Noah warmer than the sheet, since the _ was thicker.", "option1": "blanket", "option2": "sheet", "answer": "1"},
    {"sentence": "Emma beat Olivia at chess because _ had practised every day for a year.", "option1": "Emma", "option2": "Olivia", "answer": "1"},
    {"sentence": "The car needed more fuel than the motorbike, because the _ was heavier.", "option1": "car", "option2": "motorbike", "answer": "1"},
    {"sentence": "The candle burned out before the lamp did, since the _ had no wax left.", "option1": "candle", "option2": "lamp", "answer": "1"},
    {"sentence": "Luis hid the gift from Mei because _ wanted it to be a surprise.", "option1": "Luis", "option2": "Mei", "answer": "1"},
    {"sentence": "The dog was afraid of the vacuum, so the _ hid under the bed when it started.", "option1": "dog", "option2": "vacuum", "answer": "1"},
    {"sentence": "The bridge held the truck but not the train, because the _ was too heavy.", "option1": "truck", "option2": "train", "answer": "2"},
    {"sentence": "Yuki's tea was at 90°C and Sam's at 40°C, so _ tea was too hot to drink.", "option1": "Yuki's", "option2": "Sam's", "answer": "1"},
    {"sentence": "The children preferred the park to the museum, since the _ had swings.", "option1": "park", "option2": "museum", "answer": "1"},
    {"sentence": "The new shoes hurt more than the old boots because the _ were stiff.", "option1": "new shoes", "option2": "old boots", "answer": "1"},
    {"sentence": "Hannah called Grace for advice, because _ was a lawyer.", "option1": "Hannah", "option2": "Grace", "answer": "2"},
    {"sentence": "The printer jammed on the thick card but not on the paper, since the _ was too stiff.", "option1": "card", "option2": "paper", "answer": "1"},
    {"sentence": "We chose the train over the plane to Köln, because the _ left from the city centre.", "option1": "train", "option2": "plane", "answer": "1"},
    {"sentence": "The pencil was easier to erase than the pen, so Omar wrote his draft with the _.", "option1": "pencil", "option2": "pen", "answer": "1"},
    {"sentence": "The sweater shrank in the wash but the jeans did not, because the _ was wool.", "option1": "sweater", "option2": "jeans", "answer": "1"},
    {"sentence": "The meeting ran past 5 p.m., so Chloé missed her bus, while Ravi caught his: _.", "option1": "Chloé was late", "option2": "Ravi was late", "answer": "1"},
    {"sentence": "Aiko said 「ありがとう」 to Ben because _ had carried her heavy bag.", "option1": "Aiko", "option2": "Ben", "answer": "2"},
]

# ---------------------------------------------------------------------------------------
# arc_easy / arc_challenge (allenai/ai2_arc): id, question, choices {text, label}, answerKey
# ---------------------------------------------------------------------------------------
def _arc(id_, q, texts, key, labels="ABCDE"):
    if isinstance(labels, str):
        labels = list(labels[: len(texts)])
    return {"id": id_, "question": q, "choices": {"text": texts, "label": labels}, "answerKey": key}


ARC_EASY = [
    _arc("FixtureE_001", "Which of these is a source of light?", ["the Moon", "the Sun", "a mirror", "a rock"], "B"),
    _arc("FixtureE_002", "Water freezes at what temperature at sea level?", ["0 °C", "10 °C", "50 °C", "100 °C"], "A"),
    _arc("FixtureE_003", "Which organ pumps blood through the body?", ["lungs", "stomach", "heart", "skin"], "C"),
    _arc("FixtureE_004", "What do plants need to make food by photosynthesis?", ["sunlight", "sand", "salt", "plastic"], "A"),
    _arc("FixtureE_005", "Which state of matter has a definite shape?", ["solid", "liquid", "gas"], "A"),
    _arc("FixtureE_006", "How many legs does an insect have?", ["4", "6", "8", "10"], "2", labels=["1", "2", "3", "4"]),
    _arc("FixtureE_007", "A student drops a ball. Which force pulls it to the ground?", ["magnetism", "friction", "gravity", "tension"], "C"),
    _arc("FixtureE_008", "Which tool measures temperature?", ["a ruler", "a thermometer", "a scale", "a compass"], "B"),
    _arc("FixtureE_009", "What gas do people breathe out?", ["oxygen", "carbon dioxide", "helium", "neon"], "B"),
    _arc("FixtureE_010", "Which of these is a mammal?", ["shark", "dolphin", "trout", "octopus", "crab"], "B"),
    _arc("FixtureE_011", "Which planet is closest to the Sun?", ["Mercury", "Venus", "Earth", "Mars"], "A"),
    _arc("FixtureE_012", "What is H₂O more commonly called?", ["salt", "water", "sugar", "air"], "B"),
    _arc("FixtureE_013", "Which material conducts electricity best?", ["wood", "rubber", "copper", "glass"], "C"),
    _arc("FixtureE_014", "In which season do many trees in cold places lose their leaves?", ["spring", "summer", "autumn"], "C"),
    _arc("FixtureE_015", "A caterpillar becomes a butterfly. This change is called", ["metamorphosis", "erosion", "evaporation", "migration"], "1", labels=["1", "2", "3", "4"]),
    _arc("FixtureE_016", "Which is the largest: a cell, a tissue, or an organ?", ["a cell", "a tissue", "an organ"], "C"),
    _arc("FixtureE_017", "Which unit is used for the mass of an apple?", ["grams", "metres", "seconds", "litres"], "A"),
    _arc("FixtureE_018", "What does a magnet attract?", ["paper", "iron nails", "plastic cups", "wooden spoons"], "B"),
    _arc("FixtureE_019", "The Moon shines because it", ["makes its own light", "reflects sunlight", "burns gas", "is hot lava"], "B"),
    _arc("FixtureE_020", "Which animal is a reptile?", ["frog", "lizard", "salmon", "robin"], "B"),
    _arc("FixtureE_021", "What is the main job of the roots of a plant?", ["take in water", "make seeds", "catch insects", "attract bees"], "A"),
    _arc("FixtureE_022", "Which is a renewable energy source?", ["coal", "oil", "wind", "natural gas", "peat"], "C"),
    _arc("FixtureE_023", "Sound travels fastest through which of these?", ["air", "water", "steel"], "C"),
    _arc("FixtureE_024", "Which sense do people use to hear music?", ["sight", "hearing", "touch", "taste"], "B"),
    _arc("FixtureE_025", "¿Qué planeta es conocido como el planeta rojo?", ["Marte", "Júpiter", "Saturno", "Venus"], "A"),
    _arc("FixtureE_026", "Which symbol means 'degrees Celsius'?", ["°C", "°F", "K", "℃℃℃"], "A"),
    _arc("FixtureE_027", "水在多少摄氏度沸腾？(At sea level, water boils at)", ["100 °C", "0 °C", "37 °C", "1000 °C"], "A"),
    _arc("FixtureE_028", "Which emoji shows the weather when it rains?", ["🌧️", "☀️", "🌈", "🔥"], "A"),
    _arc("FixtureE_029", "What is 3 + 4 × 2?", ["14", "11", "10", "9"], "B"),
    _arc("FixtureE_030", "Which is a \"push\" rather than a \"pull\"?", ["opening a drawer", "closing a door", "lifting a bag", "reeling in a kite"], "B"),
    _arc("FixtureE_031", "Which part of the eye controls how much light enters?", ["the iris", "the lens", "the retina", "the nerve"], "1", labels=["1", "2", "3", "4"]),
    _arc("FixtureE_032", "Bees help flowers by", ["spreading pollen", "eating leaves", "digging roots"], "A"),
    # "🌧️" and "☀️" are 2 code points (emoji + U+FE0F), 1 grapheme cluster and 7 / 6 UTF-8 bytes:
    # lm-eval's len() counts code points; counting grapheme clusters picks another choice here
    _arc("FixtureE_033", "Which emoji shows the weather on a sunny day?", ["🌧️", "☀️", "🌈", "🔥"], "B"),
]

ARC_CHALLENGE = [
    _arc("FixtureC_001", "A student heats 50 g of ice at 0 °C until it has all melted. What happens to the temperature while the ice melts?", ["It stays at 0 °C.", "It rises steadily.", "It falls below 0 °C.", "It rises, then falls."], "A"),
    _arc("FixtureC_002", "Which change would most likely increase the rate of a chemical reaction?", ["cooling the reactants", "grinding a solid reactant into powder", "adding more water to dilute it", "using larger lumps"], "B"),
    _arc("FixtureC_003", "Why do we see the phases of the Moon?", ["Earth's shadow covers it", "Clouds block part of it", "We see different parts of its sunlit half", "It changes shape"], "C"),
    _arc("FixtureC_004", "A ball rolls across a carpet and stops. Which force stopped it?", ["gravity", "friction", "magnetism", "buoyancy"], "2", labels=["1", "2", "3", "4"]),
    _arc("FixtureC_005", "Which property of water lets insects walk on its surface?", ["surface tension", "high density", "low boiling point", "transparency"], "A"),
    _arc("FixtureC_006", "An animal has fur, feeds its young milk and is warm-blooded. It is most likely a", ["bird", "reptile", "mammal", "amphibian", "fish"], "C"),
    _arc("FixtureC_007", "Which best explains why a metal spoon feels colder than a wooden spoon at the same temperature?", ["Metal conducts heat away from the hand faster.", "Metal is colder.", "Wood makes its own heat.", "Metal absorbs light."], "A"),
    _arc("FixtureC_008", "A cell without a nucleus is most likely a", ["bacterium", "plant cell", "animal cell"], "A"),
    _arc("FixtureC_009", "What is the main reason Earth has seasons?", ["its distance from the Sun changes a lot", "its axis is tilted", "the Sun's output changes", "the Moon's gravity"], "B"),
    _arc("FixtureC_010", "If a 2 kg object accelerates at 3 m/s², what net force acts on it?", ["1.5 N", "5 N", "6 N", "9 N"], "C"),
    _arc("FixtureC_011", "Which process in the water cycle turns vapour into droplets?", ["evaporation", "condensation", "precipitation", "runoff"], "2", labels=["1", "2", "3", "4"]),
    _arc("FixtureC_012", "Which layer of Earth is liquid?", ["the crust", "the outer core", "the inner core", "the mantle's top"], "B"),
    _arc("FixtureC_013", "A trait that helps an organism survive in its environment is called", ["an adaptation", "a mutation only", "a habit", "a fossil"], "A"),
    _arc("FixtureC_014", "Which is evidence that continents were once joined?", ["matching fossils on separate coasts", "different languages", "ocean tides", "wind patterns"], "A"),
    _arc("FixtureC_015", "Which pair forms an ionic compound?", ["Na and Cl", "C and O", "H and H", "N and N"], "A"),
    _arc("FixtureC_016", "The energy in food comes originally from", ["the soil", "the Sun", "the water", "the air", "the Moon"], "B"),
    _arc("FixtureC_017", "Why does a balloon rubbed on hair stick to a wall?", ["static electric charge", "magnetism", "glue on the balloon", "air pressure only"], "A"),
    _arc("FixtureC_018", "What is the pH of pure water at 25 °C?", ["1", "7", "10", "14"], "B"),
    _arc("FixtureC_019", "Which statement about a food chain is correct: grass → rabbit → fox?", ["The fox is a producer.", "The rabbit is a primary consumer.", "Grass eats the rabbit.", "The fox makes its own food."], "B"),
    _arc("FixtureC_020", "Light bends as it passes from air into water. This is called", ["reflection", "refraction", "diffraction"], "B"),
    _arc("FixtureC_021", "Quelle est la formule chimique du sel de table ?", ["NaCl", "H₂O", "CO₂", "O₂"], "A"),
    _arc("FixtureC_022", "Which best describes an atom's nucleus?", ["protons and neutrons", "electrons only", "empty space", "photons"], "1", labels=["1", "2", "3", "4"]),
    _arc("FixtureC_023", "A scientist repeats an experiment 10 times. Why?", ["to make results more reliable", "to change the hypothesis", "to avoid writing notes", "because the first try failed"], "A"),
    _arc("FixtureC_024", "Which unit measures electric current?", ["volt", "ampere", "ohm", "watt", "joule"], "B"),
    _arc("FixtureC_025", "Which gas makes up about 78 % of Earth's atmosphere?", ["oxygen", "nitrogen", "argon", "carbon dioxide"], "B"),
    _arc("FixtureC_026", "地球绕太阳一周大约需要多长时间？", ["一年", "一天", "一个月", "一小时"], "A"),
    _arc("FixtureC_027", "Which is the best conductor of heat?", ["🥄 (a steel spoon)", "🧦 (a wool sock)", "🪵 (a log)", "🎈 (a balloon)"], "A"),
    _arc("FixtureC_028", "When a population of deer grows too large, what is most likely to happen next?", ["food becomes scarce", "wolves disappear", "the forest grows faster", "it snows less"], "A"),
    _arc("FixtureC_029", "What happens to the volume of a gas when it is heated in a flexible container?", ["it increases", "it decreases", "it stays the same"], "A"),
    _arc("FixtureC_030", "Which part of a plant cell is not found in animal cells?", ["the cell wall", "the nucleus", "the cell membrane", "the mitochondria"], "A"),
    _arc("FixtureC_031", "Why is the sky blue on a clear day?", ["air scatters blue light more than red light", "the ocean reflects it", "the Sun is blue", "clouds are blue"], "A"),
    _arc("FixtureC_032", "A wave has a frequency of 5 Hz and a wavelength of 2 m. Its speed is", ["10 m/s", "2.5 m/s", "7 m/s", "3 m/s"], "1", labels=["1", "2", "3", "4"]),
]

# ---------------------------------------------------------------------------------------
# openbookqa (allenai/openbookqa, main): id, question_stem, choices {text, label}, answerKey
# ---------------------------------------------------------------------------------------
def _obqa(id_, stem, texts, key):
    return {"id": id_, "question_stem": stem,
            "choices": {"text": texts, "label": list("ABCD"[: len(texts)])}, "answerKey": key}


OPENBOOKQA = [
    _obqa("fx-001", "The sun is the source of energy for", ["plants on Earth", "the Moon's core", "deep-sea rocks", "frozen lakes only"], "A"),
    _obqa("fx-002", "A magnet will stick to", ["a steel paperclip", "a rubber band", "a glass marble", "a cotton ball"], "A"),
    _obqa("fx-003", "When water is boiled it turns into", ["ice", "steam", "sand", "oil"], "B"),
    _obqa("fx-004", "Which would be the best way to stay warm in winter?", ["wearing a wool coat", "eating ice cream", "wearing sandals", "opening windows"], "A"),
    _obqa("fx-005", "An example of a renewable resource is", ["coal", "solar energy", "oil", "diamonds"], "B"),
    _obqa("fx-006", "Seeds are often spread by", ["animals and wind", "rocks", "plastic bags", "street lamps"], "A"),
    _obqa("fx-007", "A thermometer is used to measure", ["mass", "length", "temperature", "volume"], "C"),
    _obqa("fx-008", "If a plant is kept in a dark closet for weeks it will probably", ["grow faster", "turn pale and weak", "produce fruit", "turn into a tree"], "B"),
    _obqa("fx-009", "Friction between two surfaces produces", ["heat", "light only", "sound only", "magnetism"], "A"),
    _obqa("fx-010", "Which of these is an insulator?", ["a copper wire", "an aluminium pan", "a plastic handle", "a silver ring"], "C"),
    _obqa("fx-011", "A bat finds insects at night using", ["echolocation", "photosynthesis", "x-rays", "magnetism"], "A"),
    _obqa("fx-012", "The moon orbits", ["the Sun only", "Earth", "Mars", "nothing"], "B"),
    _obqa("fx-013", "Rain that falls on a mountain will most likely", ["flow downhill into streams", "flow uphill", "turn into rocks", "stay in the air"], "A"),
    _obqa("fx-014", "To see a distant planet more clearly, a person would use", ["a microscope", "a telescope", "a stethoscope", "a periscope"], "B"),
    _obqa("fx-015", "Breathing in cold air can make your breath visible because", ["water vapour condenses", "air turns solid", "lungs glow", "oxygen is white"], "A"),
    _obqa("fx-016", "Which animal would most likely live in a desert?", ["a camel", "a penguin", "a walrus", "a polar bear"], "A"),
    _obqa("fx-017", "Erosion of a beach is mostly caused by", ["waves", "snails", "sunlight", "birdsong"], "A"),
    _obqa("fx-018", "A person who wants to reduce waste should", ["recycle bottles", "buy more packaging", "burn plastic", "throw food away"], "A"),
    _obqa("fx-019", "Sound cannot travel through", ["water", "steel", "a vacuum", "air"], "C"),
    _obqa("fx-020", "El agua del mar es salada porque contiene", ["sal disuelta", "azúcar", "arena", "aceite"], "A"),
    _obqa("fx-021", "An object that floats in water is", ["less dense than water", "heavier than a ship", "always metal", "always hollow"], "A"),
    _obqa("fx-022", "A cactus stores water in its", ["thick stem", "thin roots only", "flowers", "spines"], "A"),
    _obqa("fx-023", "The closest star to Earth is", ["Sirius", "the Sun", "Polaris", "Vega"], " B"),
    _obqa("fx-024", "植物需要阳光来", ["进行光合作用", "睡觉", "唱歌", "跑步"], "A"),
    _obqa("fx-025", "Which would best keep ice from melting on a hot day?", ["a foam cooler", "a metal tray in the sun", "a black plastic bag", "a glass of warm water"], "A"),
    _obqa("fx-026", "When you see 🌡️ rise from 20 to 30, the air is getting", ["warmer", "colder", "wetter", "darker"], "A"),
    _obqa("fx-027", "A fossil is most likely found in", ["sedimentary rock", "a cloud", "fresh snow", "a lightbulb"], "A"),
    _obqa("fx-028", "Leaves change colour in autumn because", ["chlorophyll breaks down", "they are painted", "the wind dyes them", "roots turn red"], "A"),
    _obqa("fx-029", "A circuit lets current flow when it is", ["closed", "open", "cut", "wet cardboard"], "A"),
    _obqa("fx-030", "Mixing baking soda and vinegar produces", ["a gas", "a metal", "a magnet", "a crystal of salt only"], "A"),
    _obqa("fx-031", "The \"pull\" that keeps us on the ground is", ["gravity", "friction", "wind", "electricity"], "A"),
    _obqa("fx-032", "Which takes about 24 hours?", ["one rotation of Earth", "one orbit of the Moon", "one orbit of Earth around the Sun", "one rotation of Jupiter"], "A"),
    # items where normalising by characters and by UTF-8 bytes pick different choices
    _obqa("fx-033", "The Chinese word for \"hello\" is", ["你好", "hola", "xkcd", "qqqq"], "A"),
    _obqa("fx-034", "In Japanese, \"thank you\" is", ["ありがとう", "merci", "qwop", "zzz"], "A"),
    _obqa("fx-035", "A smiley face can be typed as", ["🙂", ":-)", "zzz", "qq"], "A"),
]

# Move some answers away from "A" so a model biased towards A is not rewarded: rotate the
# choice texts of every other item (the labels stay A..D, the answerKey follows its text).
for _i, _it in enumerate(OPENBOOKQA):
    _k = _i % 4
    if _k == 0 or _it["answerKey"].strip() != "A":
        continue
    _t = _it["choices"]["text"]
    _gold = _t[0]
    _it["choices"]["text"] = _t[-_k:] + _t[:-_k]
    _it["answerKey"] = "ABCD"[_it["choices"]["text"].index(_gold)]

# ---------------------------------------------------------------------------------------
# lambada_openai (EleutherAI/lambada_openai): text. lm-eval predicts text.split(' ')[-1].
# ---------------------------------------------------------------------------------------
LAMBADA = [{"text": t} for t in [
    "She had planted the seeds in April, watered them every evening and pulled out every weed. By August the garden was full of tomatoes, and she picked a basket of ripe red tomatoes",
    "The old lighthouse keeper climbed the spiral stairs one last time. At the top, he wiped the glass, struck a match and lit the lamp",
    "\"Pass me the salt,\" said Tom. Mia slid it across the table. He shook some onto his chips and handed the salt",
    "Every morning the baker rose at four. He mixed flour, water and yeast, kneaded the dough and shaped it into loaves. By six the shop smelled of fresh bread",
    "The twins argued about whose turn it was to walk the dog. In the end their father took the leash and walked the dog",
    "On the first day of school, Léa could not find her classroom. A tall boy with glasses showed her the way and said his name was Hugo. Every day after that she sat next to Hugo",
    "The recipe called for 2 cups of flour, 1 cup of sugar and 3 eggs. Sam had only two eggs, so he borrowed one more from his neighbour, and finally he had three eggs",
    "The train to Kyoto was late. Yumi checked the board again: delayed 15 minutes. She bought a bento and ate it while she waited for the train",
    "After the storm, the fishermen counted their boats. All of them had come back except one. At dawn, a small red sail appeared on the horizon; it was the last boat",
    "He typed the password three times and each time the screen said it was wrong. Then he noticed that caps lock was on. He switched it off and typed the password",
    "The museum guard told the children not to touch the statue. One of them reached out anyway, and the alarm went off. Everyone turned to look at the statue",
    "Grandma knitted scarves for all nine grandchildren. The last one, for little Oskar, was bright yellow. At Christmas he wore it every day, his yellow scarf",
    "The detective looked at the muddy footprints, the broken window and the empty safe. \"Whoever did this,\" he said, \"came in through the window",
    "They climbed for six hours through snow and wind. When they finally reached the summit, they planted a small flag at the top of the mountain",
    "Noor saved her pocket money for a whole year. In December she counted it: €120. It was just enough to buy the bicycle",
    "The choir had rehearsed the song for weeks. On the night of the concert, the conductor raised her hands and the choir began to sing",
    "The cat knocked a glass off the counter, then looked straight at Jonas as if daring him to say something. Jonas sighed and swept up the glass",
    "At the café in Zürich, Matteo ordered a croissant and a cappuccino. The waiter brought him a croissant and a café crème instead of the cappuccino",
    "Every letter she sent came back unopened. Still, every Sunday she wrote another one and posted the letter",
    "The robot vacuum bumped into the chair leg, turned left, bumped into the wall, turned right, and finally found its way back to the dock",
    "When the power went out, the whole street went dark. Kids ran outside with torches, and the neighbours lit candles in every window. For one night nobody watched TV; they sat outside and talked by candlelight",
    "The pilot announced that the plane would land in 20 minutes. Passengers fastened their seat belts and watched the lights of the city below as the plane began to descend",
    "Ravi had never seen snow. When the first flakes fell on his sleeve, he laughed and held out both hands to catch the snow",
    "The score was 2-2 with a minute left. The striker ran past two defenders, the goalkeeper dived, and the ball went into the net. The crowd shouted: \"Goal",
    "The teacher wrote a long equation on the board and asked who could solve it. After a long silence, Ingrid raised her hand and solved the equation",
    "He opened the fridge and found nothing but a lemon and some mustard. He closed the fridge, picked up his phone and ordered a pizza",
    "The bees flew from flower to flower all morning. By noon their legs were heavy with yellow pollen, and they flew home to the hive",
    "The letter was written in French: «Je t'attendrai à la gare.» Claire read it twice, folded it, and took the next train to the gare",
    "The printer beeped, blinked and stopped. \"Out of paper,\" said the screen. Lucas opened the tray and filled it with paper",
    "The little boat rocked on the waves. The sailor pulled the rope, the sail filled with wind, and the boat moved out of the harbour into the open  sea",
    "\"What is the capital of Japan?\" asked the quizmaster. Without hesitating, Aoife pressed the buzzer and answered: \"Tokyo.\"\nThe quizmaster nodded and said \"Correct",
    "The note on the fridge was short. Whoever wrote it had been in a hurry, and it said only:\nsorry",
    "In the photo, taken in 1987, her parents stood in front of a tiny blue car. \"That was our first car,\" said her mother. \"We drove it all the way to Lisbon in that car",
]]

# ---------------------------------------------------------------------------------------
# wikitext (EleutherAI/wikitext_document_level, wikitext-2-raw-v1): page
# Pages look like the real ones: " = Title = \n \n text . \n \n = = Section = = \n ..."
# with the raw data's tokenisation artefacts ( @-@ , @,@ , @.@ , " ; " , " 's " , ...).
# ---------------------------------------------------------------------------------------
def _page(title, sections):
    """sections: list of (heading or None, level, [paragraphs])."""
    out = [f" = {title} = \n", " \n"]
    for heading, level, paras in sections:
        if heading is not None:
            eq = " ".join(["="] * level)
            out.append(f" {eq} {heading} {eq} \n")
            out.append(" \n")
        for p in paras:
            out.append(f" {p} \n")
        out.append(" \n")
    return "".join(out)


_LONG_SECTIONS = [
    (None, 1, [
        "Brackenridge Mill is a former water @-@ powered textile mill on the River Leam , built between 1791 and 1794 by the merchant Josiah Kettering . At its peak in the 1840s it employed about 1 @,@ 200 people , many of them children , and its 36 @.@ 5 ft ( 11 @.@ 1 m ) wheel was said to be the largest in the county . The mill closed in 1931 and is now a museum .",
    ]),
    ("History", 2, [
        "Kettering bought the site in 1790 from the Earl of Wroxley , whose family had run a corn mill there since the 16th century . The new mill was designed by the engineer Samuel Pell , who had worked on several mills in Lancashire ; it was built of red brick with a slate roof and five storeys . Local newspapers called it \" the finest mill south of Manchester \" .",
        "During the Napoleonic Wars the mill made cloth for army uniforms , and by 1812 Kettering 's profits allowed him to buy two more mills upstream . A fire in 1826 destroyed the north wing ; it was rebuilt within a year , this time with cast @-@ iron columns and brick vaults to make it fire @-@ proof .",
    ]),
    ("Workers and conditions", 3, [
        "Records from 1833 show that 412 of the 1 @,@ 050 workers were under 14 years old . The Factory Act of that year limited the hours of children aged 9 to 13 to nine a day , but inspectors found in 1836 that the mill 's clock had been set back so that shifts ran longer . Kettering 's son , Edward , later built a school and a chapel for the workers ' families .",
        "Wages in the 1840s were between 3s and 12s a week , depending on age and skill . Workers lived in terraced cottages owned by the company ; several of these survive on Pell Street and are listed buildings .",
    ]),
    ("Decline and closure", 2, [
        "Competition from larger steam @-@ powered mills in the north reduced profits after 1870 . The company converted the wheel to drive a turbine in 1902 , but orders kept falling , and by 1929 only 180 people worked there . The mill closed in March 1931 .",
    ]),
    ("Museum", 2, [
        "The building stood empty until 1978 , when a trust bought it for £ 25 @,@ 000 . After restoration , the wheel turned again in 1985 and the museum opened the following year . It received about 60 @,@ 000 visitors in 2019 . Exhibits include working looms , a reconstructed schoolroom and the original 1794 ledger .",
        "In 2016 the trust installed a small hydro @-@ electric generator ( 45 kW ) in the old wheel pit ; it supplies most of the museum 's electricity .",
    ]),
]

WIKITEXT = [{"page": p} for p in [
    _page("Brackenridge Mill", _LONG_SECTIONS),
    _page("Lake Ostrava ( fictional )", [
        (None, 1, ["Lake Ostrava is a glacial lake in the northern hills , 4 @.@ 2 km long and up to 38 m deep . Its water is clear and cold ; the temperature at the bottom stays near 4 ° C all year ."]),
        ("Wildlife", 2, ["The lake is home to brown trout , perch and a small population of Arctic char . Ospreys nest on the eastern shore ."]),
    ]),
    _page("The Lantern Keeper", [
        (None, 1, ["The Lantern Keeper is a 2009 novel by the author Marguerite Aubel . It tells the story of a girl who tends the lamps of a coastal town after her father 's death ."]),
        ("Reception", 2, ["Critics praised its \" quiet , patient \" prose . The novel won the Hollins Prize in 2010 and has been translated into 14 languages ."]),
    ]),
    _page("SS Marigold", [
        (None, 1, ["SS Marigold was a cargo steamship built in 1911 at Sunderland . She was 312 ft ( 95 m ) long , displaced 4 @,@ 800 long tons and had a top speed of 10 @.@ 5 knots ."]),
        ("Design", 2, ["Marigold had a single triple @-@ expansion steam engine and two boilers . Her four holds could carry about 6 @,@ 500 tons of coal ; a crew of 36 worked her ."]),
        ("Service history", 2, ["She carried coal and grain between Britain and South America until 1917 , when she was torpedoed off the coast of Ireland . All 36 crew survived ."]),
    ]),
    _page("Hymn of the Valley", [
        (None, 1, ["\" Hymn of the Valley \" is a song by the folk band The Greywells , released as a single in 1972 . It reached number 7 on the national chart ."]),
        ("Composition", 2, ["The song is in D major and lasts 3 : 42 . Its lyrics describe the flooding of a village to build a reservoir ; the band 's singer said the idea came from his grandmother 's stories ."]),
    ]),
    _page("Fort Callan", [
        (None, 1, ["Fort Callan is a star @-@ shaped fortress built in 1680 – 1695 to guard the mouth of the river Callan . It has five bastions and a moat that is still filled with water ."]),
        ("Later use", 2, ["In the 19th century the fort served as a prison ; from 1946 it was used as a military archive . It opened to the public in 1998 ."]),
    ]),
    _page("Amaranth Road railway station", [
        (None, 1, ["Amaranth Road railway station served the village of Hollowmere from 1866 to 1964 . It was on the line between Kestley and Durnford , 14 miles ( 23 km ) from Kestley ."]),
        ("Closure", 2, ["Passenger numbers fell after the Second World War . The station closed on 7 September 1964 and the buildings are now a private house ."]),
    ]),
    _page("Elsbeth Varga", [
        (None, 1, ["Elsbeth Varga ( 1921 – 2003 ) was a Hungarian @-@ born chemist who worked on dyes and pigments . She emigrated to Canada in 1949 and taught at the University of Ottawa for 30 years ."]),
        ("Research", 2, ["Varga 's best @-@ known work concerned the fading of blue pigments in sunlight . Her 1962 paper on the subject has been cited more than 800 times ."]),
    ]),
    _page("Tornado of 1953 ( Millbrook )", [
        (None, 1, ["The Millbrook tornado struck the town of Millbrook on 14 May 1953 . It was on the ground for 11 minutes , destroyed 62 houses and injured 85 people ; nobody was killed ."]),
        ("Aftermath", 2, ["The town built its first storm shelter in 1955 . A memorial plaque stands in front of the rebuilt school ."]),
    ]),
    _page("Green @-@ tailed sunbird ( fictional species )", [
        (None, 1, ["The green @-@ tailed sunbird is a small bird , about 11 cm long , with a long curved bill . It feeds on nectar and small insects ."]),
        ("Distribution", 2, ["It is found in mountain forests between 1 @,@ 500 and 2 @,@ 800 m above sea level ."]),
    ]),
    _page("Pell Street", [
        (None, 1, ["Pell Street is a short street of terraced cottages built in 1802 for mill workers . Twelve of its 20 houses are listed buildings ; number 7 is open to visitors on the first Sunday of each month ."]),
    ]),
    _page("Operation Nightjar", [
        (None, 1, ["Operation Nightjar was a night @-@ time air supply mission flown in the winter of 1944 – 45 . Over 40 nights , crews dropped about 1 @,@ 100 tons of food and medicine to isolated villages ."]),
        ("Legacy", 2, ["A museum in the former airfield 's control tower tells the story of the operation . Veterans met there every year until 2005 ."]),
    ]),
    _page("Café Lumière ( Montréal )", [
        (None, 1, ["Café Lumière is a café in Montréal , Québec , opened in 1958 by the brothers André and Luc Tremblay . It is known for its crème brûlée and its walls covered in film posters ."]),
    ]),
    _page("Mount Harrow", [
        (None, 1, ["Mount Harrow is a mountain 2 @,@ 304 m ( 7 @,@ 559 ft ) high . The first recorded ascent was in 1868 by a team of three surveyors ."]),
        ("Climbing routes", 2, ["The normal route follows the south ridge and takes about six hours . The north face , climbed first in 1937 , is harder ; it is rated D + ."]),
        ("Geology", 3, ["The peak is made of granite , intruded about 280 million years ago . Glaciers carved three cirques into its flanks during the last ice age ; the largest , Coire Dubh , holds a small tarn at 1 @,@ 650 m .",
                        "Frost shattering still loosens blocks from the north face every spring , and a scree slope about 400 m long lies below it ."]),
        ("Accidents", 2, ["Between 1900 and 2020 , 23 climbers died on the mountain , most of them on the north face in winter . A mountain rescue hut was built below the south ridge in 1972 ; it sleeps eight people and has a radio ."]),
    ]),
    _page("Kasumi Oda", [
        (None, 1, ["Kasumi Oda ( 小田 霞 , born 1984 ) is a Japanese potter whose bowls use a pale celadon glaze . She studied in Kyoto and opened her own kiln in 2011 ."]),
        ("Exhibitions", 2, ["Her work has been shown in Tokyo , Paris and Seoul ; a solo exhibition in 2019 drew 12 @,@ 000 visitors ."]),
    ]),
    _page("Bellwether Bridge", [
        (None, 1, ["Bellwether Bridge is a stone arch bridge with seven arches over the River Tamm . It was completed in 1742 and widened in 1911 . The bridge is 146 m long and 9 @.@ 8 m wide ."]),
    ]),
    _page("The Quiet Harbour ( film )", [
        (None, 1, ["The Quiet Harbour is a 1961 film directed by Ilse Brandt . It stars Karl Weiss as a fisherman who hides a stranger from the police ."]),
        ("Production", 2, ["Filming took place on the island of Sylt over 31 days . The budget was about DM 900 @,@ 000 ."]),
        ("Reception", 2, ["The film was a modest success ; one critic called it \" a small , honest picture \" ."]),
    ]),
    _page("Hallam Observatory", [
        (None, 1, ["Hallam Observatory is an astronomical observatory on a hill 3 km north of the town of Hallam . Its main instrument is a 0 @.@ 9 m reflecting telescope installed in 1958 ."]),
        ("Discoveries", 2, ["Astronomers working there found 14 asteroids between 1960 and 1985 , including ( 4412 ) Hallamia ."]),
    ]),
    _page("Wren 's Cross", [
        (None, 1, ["Wren 's Cross is a medieval stone cross in a village square . It is 4 m tall and was probably set up in the 14th century ; its head was broken off during the 1640s and replaced in 1890 ."]),
    ]),
    _page("Tessa Brooks ( athlete )", [
        (None, 1, ["Tessa Brooks ( born 1990 ) is a British middle @-@ distance runner . She won the bronze medal in the 1500 m at the 2014 European Championships with a time of 4 : 06 @.@ 32 ."]),
        ("Career", 2, ["Brooks began running at 12 and joined a club in Leeds . An injury kept her out for the 2016 season ; she returned to win the national title in 2017 ."]),
    ]),
    _page("Oak Hollow School", [
        (None, 1, ["Oak Hollow School is a primary school founded in 1874 . It has about 210 pupils aged 4 to 11 , and its motto is \" Learn , share , grow \" ."]),
    ]),
    _page("Siege of Karsk", [
        (None, 1, ["The Siege of Karsk took place in 1612 , when an army of 8 @,@ 000 surrounded the fortified town of Karsk for 47 days . The defenders , about 900 men , surrendered after the town 's well was poisoned ."]),
        ("Background", 2, ["Karsk controlled the only bridge over the river for 30 miles , and whoever held it could tax the salt trade . Both sides had claimed the town since the treaty of 1598 , which \" left the matter to be settled later \" ."]),
        ("The siege", 2, ["The besiegers dug two lines of trenches and brought up 14 cannon , but the walls , rebuilt in 1580 , held . On the 30th day a mine under the east tower collapsed before it could be fired ; 60 sappers were killed .",
                          "Food ran short in the town after the fifth week . The garrison 's commander , Piotr Halas , wrote in his journal that bread cost \" 12 times its price in peace \" and that horses were being eaten ."]),
        ("Aftermath", 2, ["The town 's walls were pulled down in 1613 . Parts of the south gate survive ."]),
    ]),
    _page("Blue Lantern ( album )", [
        (None, 1, ["Blue Lantern is the second studio album by the band Northmarsh , released on 3 March 2015 . It peaked at number 12 on the album chart ."]),
        ("Track listing", 2, ["The album has 11 tracks and runs for 44 : 10 ; the single \" Harbour Lights \" was released a month earlier ."]),
    ]),
    _page("River Leam ( fictional )", [
        (None, 1, ["The River Leam rises in the hills near Upper Stow and flows 64 km east to join the Tamm . Its main tributaries are the Brook and the Little Leam ."]),
        ("Mills", 2, ["At least 17 water mills stood on the river in 1800 ; Brackenridge Mill is the only one that still works ."]),
    ]),
    _page("Class N locomotive ( fictional )", [
        (None, 1, ["The Class N was a class of 24 steam locomotives built between 1899 and 1903 for goods trains . Each engine weighed about 48 tons ; the last one was withdrawn in 1958 ."]),
    ]),
    _page("Eira Lloyd", [
        (None, 1, ["Eira Lloyd ( 1935 – 2019 ) was a Welsh poet and translator . Her first collection , Tide Marks , appeared in 1962 ; she later translated poems from Spanish , Catalan and Portuguese ."]),
        ("Honours", 2, ["She received an honorary doctorate in 1999 ."]),
    ]),
    _page("Greyfield Reservoir", [
        (None, 1, ["Greyfield Reservoir was built between 1956 and 1962 by damming the valley of the Greyfield Beck . It holds 21 @,@ 000 million litres and supplies water to about 300 @,@ 000 people ."]),
        ("Construction", 2, ["The dam is an earth embankment 38 m high and 610 m long , with a concrete spillway on its west side . About 1 @,@ 400 workers were employed at the peak of construction ; they lived in a temporary camp of huts that was removed in 1963 .",
                             "Opening the reservoir took longer than planned : a leak in the clay core was found in 1960 and had to be sealed with grout ."]),
        ("Drowned village", 2, ["The village of Lowgill was flooded when the reservoir filled ; in dry summers , such as 1976 and 2018 , its church tower can be seen above the water ."]),
    ]),
    _page("Festival of Lamps ( Hallam )", [
        (None, 1, ["The Festival of Lamps is held in Hallam on the last Saturday of October . About 5 @,@ 000 paper lanterns are carried through the streets to the river , where they are set afloat ."]),
    ]),
    _page("Harriet Okafor", [
        (None, 1, ["Harriet Okafor ( born 1979 ) is a Nigerian @-@ British architect . Her firm designed the new library in Durnford , which opened in 2018 and won a regional award ."]),
        ("Early life", 2, ["Okafor was born in Enugu and moved to London with her family at the age of eight . She studied architecture at the Bartlett , graduating in 2003 , and worked for two large practices before starting her own in 2010 ."]),
        ("Style", 2, ["Okafor 's buildings often use timber frames and large windows facing south ; she has said that \" light is the cheapest material \" ."]),
    ]),
    _page("Stowe 's theorem ( fictional )", [
        (None, 1, ["Stowe 's theorem states that every graph with n vertices and more than n edges contains a cycle . It was first written down by the teacher Alan Stowe in 1921 , in a letter to a colleague ."]),
        ("Proof", 2, ["A tree with n vertices has n − 1 edges ; adding any edge to a tree creates a cycle . The result follows ."]),
    ]),
]]

# Three pages whose detokenized text is exactly 128, 129 and 257 tokens long (the trailing
# serial number is padded digit by digit: this tokenizer gives every digit its own token), so
# that with max_length 128 the edge cases of lm-eval's rolling windows are covered: one full
# window; a full window plus a window that predicts 1 token; two full windows plus one more.
_EDGE_INTRO = ("The Hallam market ledger is a bound book of accounts kept by the clerks of Hallam "
               "market between 1788 and 1809 . It lists stall rents , tolls on cattle and grain , "
               "and fines for short weights ; the entries are in iron @-@ gall ink on rag paper .")
_EDGE_MORE = ("The ledger was found in 1954 in the roof of the old market hall during repairs . "
              "It was cleaned , rebound and given to the county record office , where it can be "
              "seen by appointment . Historians have used it to study prices during the wars "
              "with France : the toll on a cart of wheat rose from 4d in 1790 to 11d in 1801 .")


def _edge_page(title, paras, serial):
    return _page(title, [(None, 1, paras + [f"Its catalogue number is {serial} ."])])


_EDGE_LAST = ("A facsimile edition of 300 copies was printed in 1988 . Each page of the ledger "
              "is reproduced at full size , with a transcription and notes on the clerks ' "
              "abbreviations .")

_EDGE_COUNT = "The editors counted 14 @,@ 212 entries in all , made by at least nine different hands ."

WIKITEXT += [{"page": p} for p in [
    _edge_page("Hallam market ledger", [_EDGE_INTRO, _EDGE_LAST], "HML 23074"),
    _edge_page("Hallam market ledger ( second copy )", [_EDGE_INTRO, _EDGE_LAST], "HML 23"),
    _edge_page("Hallam market ledger ( third copy )", [_EDGE_INTRO, _EDGE_MORE, _EDGE_LAST, _EDGE_COUNT], "HML 230741852963074185296"),
]]
