"""A seeded catalog and a judged query set: search relevance measured, not assumed.

The catalog is `ANCHORS` (hand-written products, each the expected answer of some queries) among
generated products from 30 brands that reuse the same nouns, adjectives and selling points, so a
query has to rank, not just match: "insulated water bottle" matches dozens of water bottles that
say "insulated" in their description, and the one with all three words in its name must come first.
The same seed gives the same catalog, ids and dates included; `catalog(n)` grows it to any size.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chalicelib.domain.search import ProductDoc, Query, SearchIndex

SEED = 16
TOP = 3

# key, name, description, category, price in cents
ANCHORS: list[tuple[str, str, str, str, int]] = [
    (
        "aurora-earbuds",
        "Aurora Wireless Earbuds",
        "Noise-cancelling earbuds with a pocket charging case and 30 hours of battery.",
        "audio",
        12900,
    ),
    (
        "lumiere-lamp",
        "Lumière Brass Desk Lamp",
        "A warm, dimmable lamp for reading and late work.",
        "office",
        8900,
    ),
    (
        "creme-torch",
        "Crème Brûlée Torch",
        "Refillable butane kitchen torch for caramelising sugar.",
        "kitchen",
        3400,
    ),
    (
        "jalapeno-sauce",
        "Jalapeño Hot Sauce",
        "Smoky green hot sauce from fire-roasted peppers.",
        "grocery",
        799,
    ),
    (
        "fjallbo-jacket",
        "Fjällbo Rain Jacket",
        "Waterproof, breathable shell with taped seams and a packable hood.",
        "clothing",
        15900,
    ),
    (
        "zenith-knife",
        "Zenith Damascus Chef Knife",
        "67-layer steel blade, 8 inch, with a walnut handle.",
        "kitchen",
        11900,
    ),
    (
        "voltra-batteries",
        "Voltra AA Rechargeable Batteries 8-Pack",
        "Low self-discharge NiMH cells, 2500 mAh.",
        "electronics",
        2499,
    ),
    (
        "glacier-bottle",
        "Glacier Insulated Water Bottle",
        "Double-wall stainless steel keeps drinks cold for 24 hours.",
        "sports",
        3200,
    ),
    (
        "pawsome-leash",
        "Pawsome Reflective Dog Leash",
        "A 6 ft nylon leash with a padded handle.",
        "pet-supplies",
        1899,
    ),
    (
        "trailblazer-boots",
        "Trailblazer Waterproof Hiking Boots",
        "Full-grain leather boots with a grippy lugged sole.",
        "shoes",
        17900,
    ),
    (
        "sierra-tent",
        "Sierra Two-Person Backpacking Tent",
        "A 1.8 kg freestanding tent with two doors and two vestibules.",
        "outdoor",
        27900,
    ),
    (
        "mosaic-puzzle",
        "Mosaic 1000-Piece Jigsaw Puzzle",
        "A Venetian mosaic scene on thick recycled board.",
        "toys",
        2199,
    ),
    (
        "orchid-pot",
        "Orchid Ceramic Self-Watering Plant Pot",
        "A glazed pot with a hidden reservoir that waters for two weeks.",
        "garden",
        2999,
    ),
    (
        "barista-grinder",
        "Barista Burr Coffee Grinder",
        "Conical burrs with 40 settings from espresso to French press.",
        "kitchen",
        14900,
    ),
    (
        "posturelab-chair",
        "PostureLab Ergonomic Office Chair",
        "Mesh back, adjustable lumbar support and 4D armrests.",
        "office",
        39900,
    ),
    (
        "tempo-watch",
        "Tempo Quartz Wrist Watch",
        "A 38 mm steel case, sapphire crystal and a leather strap.",
        "clothing",
        19900,
    ),
    (
        "atlas-islands",
        "The Atlas of Remote Islands",
        "Fifty islands you will never visit, with hand-drawn maps.",
        "books",
        2800,
    ),
    (
        "salt-smoke",
        "Salt & Smoke: A Barbecue Cookbook",
        "Low and slow recipes for brisket, ribs and sides.",
        "books",
        3500,
    ),
    (
        "skyhawk-drone",
        "SkyHawk Mini Camera Drone",
        "A 4K drone under 250 g with a 3-axis gimbal.",
        "cameras",
        45900,
    ),
    (
        "clacker-keyboard",
        "Clacker Retro Typewriter Keyboard",
        "Mechanical switches under round keycaps, wired or Bluetooth.",
        "computers",
        9900,
    ),
    (
        "napoli-espresso",
        "Napoli Espresso Machine",
        "A 15-bar pump and a steam wand for milk drinks.",
        "kitchen",
        34900,
    ),
    (
        "lotus-mat",
        "Lotus Cork Yoga Mat",
        "Natural cork surface over a rubber base, grips better when wet.",
        "sports",
        7900,
    ),
    (
        "beacon-headlamp",
        "Beacon 800-Lumen Headlamp",
        "Red night mode and a tilting beam, charges over USB-C.",
        "outdoor",
        4900,
    ),
    (
        "coral-sunscreen",
        "Coral-Safe Mineral Sunscreen SPF 50",
        "Zinc oxide, reef-friendly and water-resistant for 80 minutes.",
        "beauty",
        1800,
    ),
    (
        "inkwell-pen",
        "Inkwell Calligraphy Fountain Pen",
        "A flexible steel nib for lettering, with a converter.",
        "office",
        4200,
    ),
    (
        "highland-socks",
        "Highland Merino Wool Socks 3-Pack",
        "Cushioned hiking socks that stay warm when wet.",
        "clothing",
        2900,
    ),
    (
        "siesta-hammock",
        "Siesta Double Camping Hammock",
        "Parachute nylon hammock with tree straps, packs to a fist.",
        "outdoor",
        5900,
    ),
    (
        "stargazer-telescope",
        "Stargazer 70mm Refractor Telescope",
        "A first telescope for kids and beginners, with a tripod.",
        "toys",
        12900,
    ),
    (
        "velo-lights",
        "Velo Rechargeable Bike Light Set",
        "Front and rear bicycle lights, 5 modes, USB charging.",
        "sports",
        3900,
    ),
    (
        "lullaby-monitor",
        "Lullaby Video Baby Monitor",
        "A 5 inch screen, night vision and two-way talk.",
        "baby",
        11900,
    ),
    (
        "cruiser-stroller",
        "Cruiser Lightweight Travel Stroller",
        "Folds with one hand and fits in an overhead bin.",
        "baby",
        24900,
    ),
    (
        "aloha-ukulele",
        "Aloha Soprano Ukulele",
        "Mahogany body, Aquila strings and a gig bag.",
        "music",
        6900,
    ),
    (
        "keystone-piano",
        "Keystone 88-Key Digital Piano",
        "Weighted hammer-action keys and a sustain pedal.",
        "music",
        49900,
    ),
    (
        "whisker-tree",
        "Whisker Tower Cat Tree",
        "Five levels with sisal posts, a hammock and a condo.",
        "pet-supplies",
        8900,
    ),
    (
        "reef-aquarium",
        "Reef 20-Gallon Aquarium Kit",
        "Glass tank, LED hood, filter and heater included.",
        "pet-supplies",
        15900,
    ),
    (
        "bramble-gloves",
        "Bramble Thorn-Proof Garden Gloves",
        "Goatskin palms and long cuffs for pruning roses.",
        "garden",
        2400,
    ),
    (
        "flexicoil-hose",
        "FlexiCoil Expandable Garden Hose 50 ft",
        "Grows to 50 ft under pressure and shrinks back to store.",
        "garden",
        3900,
    ),
    (
        "torque-drill",
        "Torque 20V Cordless Drill Driver",
        "Two speeds, 24 clutch settings and two batteries.",
        "tools",
        12900,
    ),
    (
        "vortex-blender",
        "Vortex High-Speed Blender",
        "A 1500 W motor that crushes ice and blends soups hot.",
        "kitchen",
        19900,
    ),
    (
        "crispo-fryer",
        "Crispo 5-Quart Air Fryer",
        "Crisps with little or no oil; dishwasher-safe basket.",
        "kitchen",
        9900,
    ),
    (
        "ripple-kettle",
        "Ripple Gooseneck Pour-Over Kettle",
        "Precise pour and a built-in thermometer.",
        "kitchen",
        5900,
    ),
    (
        "stride-sneakers",
        "Stride Knit Running Sneakers",
        "A breathable knit upper on a springy foam sole.",
        "shoes",
        11900,
    ),
    (
        "olla-coffee",
        "Café de Olla Coffee Beans",
        "Medium roast with cinnamon and piloncillo notes, 340 g.",
        "grocery",
        1600,
    ),
    (
        "uber-towels",
        "Über-Soft Bamboo Bath Towels",
        "A set of four towels that dry fast and stay soft.",
        "bath",
        6900,
    ),
]
ANCHOR_SKUS = {"voltra-batteries": ("VLT-AA8",), "tempo-watch": ("TMP-Q38-BLK", "TMP-Q38-BRN")}

# query, the anchor expected in the top 3, and what the query exercises
QUERIES: list[tuple[str, str, str]] = [
    ("aurora wirless earbuds", "aurora-earbuds", "typo"),
    ("auror earb", "aurora-earbuds", "prefix"),
    ("lumiere lamp", "lumiere-lamp", "accent"),
    ("LUMIÈRE", "lumiere-lamp", "accent"),
    ("creme brulee torch", "creme-torch", "accent"),
    ("kitchen torch", "creme-torch", "category"),
    ("jalapeno sauce", "jalapeno-sauce", "accent"),
    ("jalapenos", "jalapeno-sauce", "plural"),
    ("fjallbo jacket", "fjallbo-jacket", "accent"),
    ("fjällbo rain jackets", "fjallbo-jacket", "plural"),
    ("damascus knives", "zenith-knife", "plural"),
    ("damascas chef knife", "zenith-knife", "typo"),
    ("rechargable battery", "voltra-batteries", "typo"),
    ("vlt-aa8", "voltra-batteries", "sku"),
    ("insulated water bottle", "glacier-bottle", "multi-word"),
    ("glacier botles", "glacier-bottle", "typo"),
    ("reflectve leash", "pawsome-leash", "typo"),
    ("pawsome dog leashes", "pawsome-leash", "plural"),
    ("waterprof hiking boot", "trailblazer-boots", "typo"),
    ("two person backpacking tent", "sierra-tent", "multi-word"),
    ("jigsaw puzzles", "mosaic-puzzle", "plural"),
    ("self watering pots", "orchid-pot", "plural"),
    ("cofee grinder burr", "barista-grinder", "typo"),
    ("ergonomc office chair", "posturelab-chair", "typo"),
    ("quartz watches", "tempo-watch", "plural"),
    ("remote island atlas", "atlas-islands", "plural"),
    ("barbeque cookbook", "salt-smoke", "typo"),
    ("camera dron", "skyhawk-drone", "prefix"),
    ("retro keybaord", "clacker-keyboard", "typo"),
    ("espreso machine", "napoli-espresso", "typo"),
    ("cork yoga mats", "lotus-mat", "plural"),
    ("beacon headlamps", "beacon-headlamp", "plural"),
    ("spf 50 sunscrean", "coral-sunscreen", "typo"),
    ("caligraphy pen", "inkwell-pen", "typo"),
    ("merino sock", "highland-socks", "plural"),
    ("camping hamock", "siesta-hammock", "typo"),
    ("refractor telescopes", "stargazer-telescope", "plural"),
    ("bicycle light", "velo-lights", "multi-word"),
    ("baby monitor video", "lullaby-monitor", "category"),
    ("travel strollers", "cruiser-stroller", "plural"),
    ("ukelele", "aloha-ukulele", "typo"),
    ("digital pianos 88 key", "keystone-piano", "plural"),
    ("pet aquarim", "reef-aquarium", "category"),
    ("whiskers cat tree", "whisker-tree", "plural"),
    ("thorn proof garden gloves", "bramble-gloves", "multi-word"),
    ("expandable hose", "flexicoil-hose", "multi-word"),
    ("cordles drill 20v", "torque-drill", "typo"),
    ("vortex blendr", "vortex-blender", "typo"),
    ("air fryers", "crispo-fryer", "plural"),
    ("goosneck kettle", "ripple-kettle", "typo"),
    ("knit running sneaker", "stride-sneakers", "plural"),
    ("cafe de olla", "olla-coffee", "accent"),
    ("grocery coffee beans", "olla-coffee", "category"),
    ("uber soft towels", "uber-towels", "accent"),
    ("music ukulele", "aloha-ukulele", "category"),
]

BRANDS = [
    "Northwind",
    "Kestrel",
    "Tundra",
    "Solace",
    "Vanta",
    "Orbit",
    "Pinecrest",
    "Harbor",
    "Quill",
    "Ember",
    "Ridgeline",
    "Copperleaf",
    "Bluefin",
    "Granite",
    "Lumen",
    "Arcadia",
    "Driftwood",
    "Summit",
    "Fable",
    "Corvid",
    "Halcyon",
    "Juniper",
    "Meridian",
    "Nimbus",
    "Oakridge",
    "Polar",
    "Rover",
    "Sable",
    "Willow",
    "Cedar",
]
ADJECTIVES = [
    "Classic",
    "Compact",
    "Premium",
    "Everyday",
    "Deluxe",
    "Essential",
    "Ultra",
    "Lightweight",
    "Heavy-Duty",
    "Eco",
    "Slim",
    "Travel",
]
SUFFIXES = ("", "", "", " Pro", " Mini", " XL", " 2-Pack", " Plus", " Max", " Set")
COLOURS = ("black", "white", "navy", "red", "green", "grey", "sand", "olive")
# category: (product types, selling points a description may borrow)
KINDS: dict[str, tuple[list[str], list[str]]] = {
    "audio": (
        [
            "Wireless Earbuds",
            "Wired Earbuds",
            "Over-Ear Headphones",
            "Bluetooth Speaker",
            "Soundbar",
            "Earbuds Case",
            "Headphone Stand",
            "Portable Speaker",
        ],
        [
            "Bluetooth 5.3 with noise-cancelling and a charging case.",
            "Rich bass and 20 hours of battery.",
        ],
    ),
    "computers": (
        [
            "Laptop Stand",
            "Mechanical Keyboard",
            "Wireless Mouse",
            "USB-C Hub",
            "Monitor Arm",
            "Laptop Sleeve",
            "External SSD",
            "Webcam",
            "Mouse Pad",
        ],
        ["Works with every laptop and desktop.", "Retro looks, modern switches."],
    ),
    "kitchen": (
        [
            "Chef Knife",
            "Cutting Board",
            "Frying Pan",
            "Saucepan",
            "Coffee Grinder",
            "French Press",
            "Electric Kettle",
            "Mixing Bowls",
            "Spatula",
            "Knife Block",
            "Espresso Cups",
        ],
        [
            "Damascus-pattern steel, forged to last.",
            "Dishwasher safe.",
            "For espresso, drip and pour-over coffee.",
        ],
    ),
    "sports": (
        [
            "Water Bottle",
            "Yoga Mat",
            "Dumbbells",
            "Jump Rope",
            "Resistance Bands",
            "Tennis Racket",
            "Gym Bag",
        ],
        [
            "Insulated, leak-proof and BPA-free.",
            "Non-slip grip, even when wet.",
            "Reflective trim for night runs.",
        ],
    ),
    "outdoor": (
        [
            "Tent",
            "Sleeping Bag",
            "Headlamp",
            "Camping Stove",
            "Backpack",
            "Trekking Poles",
            "Camp Chair",
        ],
        [
            "Waterproof and rated for three seasons.",
            "Rechargeable over USB-C.",
            "Packs small for backpacking.",
        ],
    ),
    "clothing": (
        [
            "T-Shirt",
            "Hoodie",
            "Rain Jacket",
            "Wool Socks",
            "Beanie",
            "Scarf",
            "Jeans",
            "Fleece Vest",
        ],
        ["Merino wool blend, machine washable.", "Waterproof shell with a packable hood."],
    ),
    "shoes": (
        ["Running Shoes", "Hiking Boots", "Sandals", "Slippers", "Trail Runners"],
        ["Waterproof membrane and a grippy sole.", "Knit upper, cushioned for running."],
    ),
    "office": (
        [
            "Desk Lamp",
            "Notebook",
            "Gel Pen Set",
            "Desk Organizer",
            "Stapler",
            "Office Chair",
            "Whiteboard",
        ],
        ["Ergonomic design for long days.", "Brass details and a matte finish."],
    ),
    "garden": (
        [
            "Garden Hose",
            "Pruning Shears",
            "Watering Can",
            "Plant Pot",
            "Garden Gloves",
            "Raised Bed",
        ],
        ["Self-watering reservoir.", "Thorn-resistant and washable.", "Expandable and kink-free."],
    ),
    "pet-supplies": (
        ["Dog Leash", "Cat Toy", "Pet Bed", "Dog Bowl", "Cat Scratcher", "Dog Harness"],
        ["Reflective stitching for evening walks.", "Easy to clean."],
    ),
    "toys": (
        ["Building Blocks", "Wooden Puzzle", "Plush Bear", "Toy Car", "Kite", "Marble Run"],
        ["For kids aged 3 and up.", "A 500-piece jigsaw for the family."],
    ),
    "beauty": (
        ["Face Cream", "Shampoo", "Hair Dryer", "Lip Balm", "Body Lotion"],
        ["Mineral SPF 15 for daily wear.", "Fragrance-free."],
    ),
    "tools": (
        ["Cordless Drill", "Screwdriver Set", "Tape Measure", "Hammer", "Socket Set", "Work Light"],
        ["Runs on 20V batteries.", "Lifetime warranty."],
    ),
    "cameras": (
        ["Camera Bag", "Tripod", "Memory Card", "Camera Strap", "Ring Light"],
        ["Fits a mirrorless camera and two lenses.", "Made for 4K video."],
    ),
    "books": (
        ["Travel Guide", "Novel", "Cookbook", "Field Guide"],
        ["Illustrated with maps.", "A bestseller in paperback."],
    ),
}


@dataclass(frozen=True)
class Judged:
    """How a search did on the judged queries: the top-3 hit rate and the queries it missed."""

    rate: float
    misses: list[tuple[str, str, list[str]]]  # query, expected id, what came first instead


def anchor_id(key: str) -> str:
    """The product id of a hand-written product."""
    return f"prd-{key}"


def _generated(rng: random.Random, number: int) -> ProductDoc:
    category = rng.choice(sorted(KINDS))
    kinds, points = KINDS[category]
    kind, brand, adjective = rng.choice(kinds), rng.choice(BRANDS), rng.choice(ADJECTIVES)
    name = f"{brand} {adjective} {kind}{rng.choice(SUFFIXES)}"
    other = rng.choice(KINDS[rng.choice(sorted(KINDS))][0])
    description = (
        f"{adjective} {kind.lower()} in {rng.choice(COLOURS)}. {rng.choice(points)} "
        f"Pairs well with our {other.lower()}."
    )
    return ProductDoc(
        product_id=f"prd-{number:06d}",
        name=name,
        description=description,
        category=category,
        skus=(f"{brand[:3].upper()}-{number:05d}",),
        price_cents=rng.randrange(499, 50000),
        currency="EUR" if rng.random() < 0.1 else "USD",
        created_at="",
        active=rng.random() > 0.03,
    )


def catalog(size: int = 600, seed: int = SEED) -> list[ProductDoc]:
    """`size` products (the anchors among them), the same for the same seed; a few are archived."""
    rng = random.Random(seed)
    generated = [_generated(rng, number) for number in range(max(0, size - len(ANCHORS)))]
    anchors = [
        ProductDoc(anchor_id(key), name, text, category, ANCHOR_SKUS.get(key, ()), price, "USD", "")
        for key, name, text, category, price in ANCHORS
    ]
    products = generated + anchors
    rng.shuffle(products)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    dated = []
    for minute, product in enumerate(products):
        at = start + timedelta(minutes=minute * 7, seconds=rng.randrange(60))
        created = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        dated.append(product._replace(created_at=created))
    return dated


def judge(search: Callable[[str], list[str]], top: int = TOP) -> Judged:
    """The share of judged queries whose expected product is in the first `top` results."""
    misses = []
    for text, key, _kind in QUERIES:
        found = search(text)[:top]
        if anchor_id(key) not in found:
            misses.append((text, anchor_id(key), found))
    return Judged(rate=1 - len(misses) / len(QUERIES), misses=misses)


def judge_index(index: SearchIndex, top: int = TOP) -> Judged:
    """`judge()` for the engine: each query as GET /products?q= sends it, sorted by relevance."""
    return judge(lambda text: index.search(Query(text=text, limit=top)).product_ids, top)
