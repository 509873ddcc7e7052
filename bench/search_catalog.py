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


def _split(text: str) -> list[str]:
    return text.split()


# Each product: key | name | category | price in cents, then its description indented below.
_ANCHORS = """
aurora-earbuds | Aurora Wireless Earbuds | audio | 12900
    Noise-cancelling earbuds with a pocket charging case and 30 hours of battery.
lumiere-lamp | Lumière Brass Desk Lamp | office | 8900
    A warm, dimmable lamp for reading and late work.
creme-torch | Crème Brûlée Torch | kitchen | 3400
    Refillable butane kitchen torch for caramelising sugar.
jalapeno-sauce | Jalapeño Hot Sauce | grocery | 799
    Smoky green hot sauce from fire-roasted peppers.
fjallbo-jacket | Fjällbo Rain Jacket | clothing | 15900
    Waterproof, breathable shell with taped seams and a packable hood.
zenith-knife | Zenith Damascus Chef Knife | kitchen | 11900
    67-layer steel blade, 8 inch, with a walnut handle.
voltra-batteries | Voltra AA Rechargeable Batteries 8-Pack | electronics | 2499
    Low self-discharge NiMH cells, 2500 mAh.
glacier-bottle | Glacier Insulated Water Bottle | sports | 3200
    Double-wall stainless steel keeps drinks cold for 24 hours.
pawsome-leash | Pawsome Reflective Dog Leash | pet-supplies | 1899
    A 6 ft nylon leash with a padded handle.
trailblazer-boots | Trailblazer Waterproof Hiking Boots | shoes | 17900
    Full-grain leather boots with a grippy lugged sole.
sierra-tent | Sierra Two-Person Backpacking Tent | outdoor | 27900
    A 1.8 kg freestanding tent with two doors and two vestibules.
mosaic-puzzle | Mosaic 1000-Piece Jigsaw Puzzle | toys | 2199
    A Venetian mosaic scene on thick recycled board.
orchid-pot | Orchid Ceramic Self-Watering Plant Pot | garden | 2999
    A glazed pot with a hidden reservoir that waters for two weeks.
barista-grinder | Barista Burr Coffee Grinder | kitchen | 14900
    Conical burrs with 40 settings from espresso to French press.
posturelab-chair | PostureLab Ergonomic Office Chair | office | 39900
    Mesh back, adjustable lumbar support and 4D armrests.
tempo-watch | Tempo Quartz Wrist Watch | clothing | 19900
    A 38 mm steel case, sapphire crystal and a leather strap.
atlas-islands | The Atlas of Remote Islands | books | 2800
    Fifty islands you will never visit, with hand-drawn maps.
salt-smoke | Salt & Smoke: A Barbecue Cookbook | books | 3500
    Low and slow recipes for brisket, ribs and sides.
skyhawk-drone | SkyHawk Mini Camera Drone | cameras | 45900
    A 4K drone under 250 g with a 3-axis gimbal.
clacker-keyboard | Clacker Retro Typewriter Keyboard | computers | 9900
    Mechanical switches under round keycaps, wired or Bluetooth.
napoli-espresso | Napoli Espresso Machine | kitchen | 34900
    A 15-bar pump and a steam wand for milk drinks.
lotus-mat | Lotus Cork Yoga Mat | sports | 7900
    Natural cork surface over a rubber base, grips better when wet.
beacon-headlamp | Beacon 800-Lumen Headlamp | outdoor | 4900
    Red night mode and a tilting beam, charges over USB-C.
coral-sunscreen | Coral-Safe Mineral Sunscreen SPF 50 | beauty | 1800
    Zinc oxide, reef-friendly and water-resistant for 80 minutes.
inkwell-pen | Inkwell Calligraphy Fountain Pen | office | 4200
    A flexible steel nib for lettering, with a converter.
highland-socks | Highland Merino Wool Socks 3-Pack | clothing | 2900
    Cushioned hiking socks that stay warm when wet.
siesta-hammock | Siesta Double Camping Hammock | outdoor | 5900
    Parachute nylon hammock with tree straps, packs to a fist.
stargazer-telescope | Stargazer 70mm Refractor Telescope | toys | 12900
    A first telescope for kids and beginners, with a tripod.
velo-lights | Velo Rechargeable Bike Light Set | sports | 3900
    Front and rear bicycle lights, 5 modes, USB charging.
lullaby-monitor | Lullaby Video Baby Monitor | baby | 11900
    A 5 inch screen, night vision and two-way talk.
cruiser-stroller | Cruiser Lightweight Travel Stroller | baby | 24900
    Folds with one hand and fits in an overhead bin.
aloha-ukulele | Aloha Soprano Ukulele | music | 6900
    Mahogany body, Aquila strings and a gig bag.
keystone-piano | Keystone 88-Key Digital Piano | music | 49900
    Weighted hammer-action keys and a sustain pedal.
whisker-tree | Whisker Tower Cat Tree | pet-supplies | 8900
    Five levels with sisal posts, a hammock and a condo.
reef-aquarium | Reef 20-Gallon Aquarium Kit | pet-supplies | 15900
    Glass tank, LED hood, filter and heater included.
bramble-gloves | Bramble Thorn-Proof Garden Gloves | garden | 2400
    Goatskin palms and long cuffs for pruning roses.
flexicoil-hose | FlexiCoil Expandable Garden Hose 50 ft | garden | 3900
    Grows to 50 ft under pressure and shrinks back to store.
torque-drill | Torque 20V Cordless Drill Driver | tools | 12900
    Two speeds, 24 clutch settings and two batteries.
vortex-blender | Vortex High-Speed Blender | kitchen | 19900
    A 1500 W motor that crushes ice and blends soups hot.
crispo-fryer | Crispo 5-Quart Air Fryer | kitchen | 9900
    Crisps with little or no oil; dishwasher-safe basket.
ripple-kettle | Ripple Gooseneck Pour-Over Kettle | kitchen | 5900
    Precise pour and a built-in thermometer.
stride-sneakers | Stride Knit Running Sneakers | shoes | 11900
    A breathable knit upper on a springy foam sole.
olla-coffee | Café de Olla Coffee Beans | grocery | 1600
    Medium roast with cinnamon and piloncillo notes, 340 g.
uber-towels | Über-Soft Bamboo Bath Towels | bath | 6900
    A set of four towels that dry fast and stay soft.
"""


def _anchors(table: str) -> list[tuple[str, str, str, str, int]]:
    rows = table.strip().splitlines()
    heads, texts = rows[0::2], rows[1::2]
    return [
        (key, name, text.strip(), category, int(price))
        for (key, name, category, price), text in zip(
            (head.split(" | ") for head in heads), texts, strict=True
        )
    ]


ANCHORS = _anchors(_ANCHORS)
ANCHOR_SKUS = {"voltra-batteries": ("VLT-AA8",), "tempo-watch": ("TMP-Q38-BLK", "TMP-Q38-BRN")}

# One judged query a line: query | the anchor expected in the top 3 | what the query exercises
_QUERIES = """
aurora wirless earbuds | aurora-earbuds | typo
auror earb | aurora-earbuds | prefix
lumiere lamp | lumiere-lamp | accent
LUMIÈRE | lumiere-lamp | accent
creme brulee torch | creme-torch | accent
kitchen torch | creme-torch | category
jalapeno sauce | jalapeno-sauce | accent
jalapenos | jalapeno-sauce | plural
fjallbo jacket | fjallbo-jacket | accent
fjällbo rain jackets | fjallbo-jacket | plural
damascus knives | zenith-knife | plural
damascas chef knife | zenith-knife | typo
rechargable battery | voltra-batteries | typo
vlt-aa8 | voltra-batteries | sku
insulated water bottle | glacier-bottle | multi-word
glacier botles | glacier-bottle | typo
reflectve leash | pawsome-leash | typo
pawsome dog leashes | pawsome-leash | plural
waterprof hiking boot | trailblazer-boots | typo
two person backpacking tent | sierra-tent | multi-word
jigsaw puzzles | mosaic-puzzle | plural
self watering pots | orchid-pot | plural
cofee grinder burr | barista-grinder | typo
ergonomc office chair | posturelab-chair | typo
quartz watches | tempo-watch | plural
remote island atlas | atlas-islands | plural
barbeque cookbook | salt-smoke | typo
camera dron | skyhawk-drone | prefix
retro keybaord | clacker-keyboard | typo
espreso machine | napoli-espresso | typo
cork yoga mats | lotus-mat | plural
beacon headlamps | beacon-headlamp | plural
spf 50 sunscrean | coral-sunscreen | typo
caligraphy pen | inkwell-pen | typo
merino sock | highland-socks | plural
camping hamock | siesta-hammock | typo
refractor telescopes | stargazer-telescope | plural
bicycle light | velo-lights | multi-word
baby monitor video | lullaby-monitor | category
travel strollers | cruiser-stroller | plural
ukelele | aloha-ukulele | typo
digital pianos 88 key | keystone-piano | plural
pet aquarim | reef-aquarium | category
whiskers cat tree | whisker-tree | plural
thorn proof garden gloves | bramble-gloves | multi-word
expandable hose | flexicoil-hose | multi-word
cordles drill 20v | torque-drill | typo
vortex blendr | vortex-blender | typo
air fryers | crispo-fryer | plural
goosneck kettle | ripple-kettle | typo
knit running sneaker | stride-sneakers | plural
cafe de olla | olla-coffee | accent
grocery coffee beans | olla-coffee | category
uber soft towels | uber-towels | accent
music ukulele | aloha-ukulele | category
"""
QUERIES: list[tuple[str, str, str]] = [
    (query, key, kind)
    for query, key, kind in (
        [cell.strip() for cell in line.split(" | ")] for line in _QUERIES.strip().splitlines()
    )
]

BRANDS = _split(
    "Northwind Kestrel Tundra Solace Vanta Orbit Pinecrest Harbor Quill Ember Ridgeline Copperleaf"
    " Bluefin Granite Lumen Arcadia Driftwood Summit Fable Corvid Halcyon Juniper Meridian Nimbus "
    "Oakridge Polar Rover Sable Willow Cedar"
)
ADJECTIVES = _split(
    "Classic Compact Premium Everyday Deluxe Essential Ultra Lightweight Heavy-Duty Eco Slim Travel"
)
SUFFIXES = ("", "", "", " Pro", " Mini", " XL", " 2-Pack", " Plus", " Max", " Set")
COLOURS = ("black", "white", "navy", "red", "green", "grey", "sand", "olive")
# category: (its product types, the selling points a description may borrow, split by " | ")
_KINDS = {
    "audio": (
        "Wireless Earbuds, Wired Earbuds, Over-Ear Headphones, Bluetooth Speaker, Soundbar, "
        "Earbuds Case, Headphone Stand, Portable Speaker",
        "Bluetooth 5.3 with noise-cancelling and a charging case. "
        "| Rich bass and 20 hours of battery.",
    ),
    "computers": (
        "Laptop Stand, Mechanical Keyboard, Wireless Mouse, USB-C Hub, Monitor Arm, Laptop Sleeve,"
        " External SSD, Webcam, Mouse Pad",
        "Works with every laptop and desktop. | Retro looks, modern switches.",
    ),
    "kitchen": (
        "Chef Knife, Cutting Board, Frying Pan, Saucepan, Coffee Grinder, French Press, Electric "
        "Kettle, Mixing Bowls, Spatula, Knife Block, Espresso Cups",
        "Damascus-pattern steel, forged to last. | Dishwasher safe. "
        "| For espresso, drip and pour-over coffee.",
    ),
    "sports": (
        "Water Bottle, Yoga Mat, Dumbbells, Jump Rope, Resistance Bands, Tennis Racket, Gym Bag",
        "Insulated, leak-proof and BPA-free. | Non-slip grip, even when wet. | Reflective trim for"
        " night runs.",
    ),
    "outdoor": (
        "Tent, Sleeping Bag, Headlamp, Camping Stove, Backpack, Trekking Poles, Camp Chair",
        "Waterproof and rated for three seasons. | Rechargeable over USB-C. | Packs small for "
        "backpacking.",
    ),
    "clothing": (
        "T-Shirt, Hoodie, Rain Jacket, Wool Socks, Beanie, Scarf, Jeans, Fleece Vest",
        "Merino wool blend, machine washable. | Waterproof shell with a packable hood.",
    ),
    "shoes": (
        "Running Shoes, Hiking Boots, Sandals, Slippers, Trail Runners",
        "Waterproof membrane and a grippy sole. | Knit upper, cushioned for running.",
    ),
    "office": (
        "Desk Lamp, Notebook, Gel Pen Set, Desk Organizer, Stapler, Office Chair, Whiteboard",
        "Ergonomic design for long days. | Brass details and a matte finish.",
    ),
    "garden": (
        "Garden Hose, Pruning Shears, Watering Can, Plant Pot, Garden Gloves, Raised Bed",
        "Self-watering reservoir. | Thorn-resistant and washable. | Expandable and kink-free.",
    ),
    "pet-supplies": (
        "Dog Leash, Cat Toy, Pet Bed, Dog Bowl, Cat Scratcher, Dog Harness",
        "Reflective stitching for evening walks. | Easy to clean.",
    ),
    "toys": (
        "Building Blocks, Wooden Puzzle, Plush Bear, Toy Car, Kite, Marble Run",
        "For kids aged 3 and up. | A 500-piece jigsaw for the family.",
    ),
    "beauty": (
        "Face Cream, Shampoo, Hair Dryer, Lip Balm, Body Lotion",
        "Mineral SPF 15 for daily wear. | Fragrance-free.",
    ),
    "tools": (
        "Cordless Drill, Screwdriver Set, Tape Measure, Hammer, Socket Set, Work Light",
        "Runs on 20V batteries. | Lifetime warranty.",
    ),
    "cameras": (
        "Camera Bag, Tripod, Memory Card, Camera Strap, Ring Light",
        "Fits a mirrorless camera and two lenses. | Made for 4K video.",
    ),
    "books": (
        "Travel Guide, Novel, Cookbook, Field Guide",
        "Illustrated with maps. | A bestseller in paperback.",
    ),
}
KINDS = {
    category: (kinds.split(", "), points.split(" | "))
    for category, (kinds, points) in _KINDS.items()
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
