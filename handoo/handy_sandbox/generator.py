"""Deterministic demo data: a Mexican distributor with a catalog and a day of pre-sales.

The same seed and the same ``now`` always give the same records, ids and dates,
because every random choice comes from one ``random.Random(seed)``. Records are
created through the store's public methods, so they obey the same rules as data
written through the API.

RFCs are well formed but fake: every generated homoclave (the last three
characters) starts with ``ZZ``, and the names behind them are invented.
"""

import datetime as dt
import random
import unicodedata

from . import catalog_data as data
from .dates import coerce_datetime
from .pricing import price_with_taxes, round_cents

# Share of the orders edited and deleted when the caller gives no count.
EDITED_SHARE = 0.06
DELETED_SHARE = 0.03
DISCOUNTS = (3.0, 5.0, 10.0)


def generate(
    seed,
    zones=6,
    families=8,
    sellers=6,
    customers=60,
    products=120,
    orders=320,
    edited=None,
    deleted=None,
    broken_orders=2,
    lines=(1, 12),
    now=None,
    store=None,
):
    """Return a SandboxStore filled with demo data.

    ``store``, if given, is cleared and reused. ``orders`` counts the orders taken
    on the phones. Each edit adds one more order record (the replacement), so the
    store ends with ``orders`` plus the number of edits. ``edited`` defaults to
    about 6 % of the orders, some of them edited twice, and ``deleted`` to about
    3 %. ``broken_orders`` of the orders have one line whose product code is
    missing from the catalog. ``lines`` is the ``(minimum, maximum)`` number of
    lines per order. ``now`` (default: the store's clock) ends the 24-hour window
    in which the orders were taken.
    """
    from .store import SandboxStore

    if store is None:
        store = SandboxStore()
    else:
        store.clear()
    populate(
        store,
        seed,
        zones=zones,
        families=families,
        sellers=sellers,
        customers=customers,
        products=products,
        orders=orders,
        edited=edited,
        deleted=deleted,
        broken_orders=broken_orders,
        lines=lines,
        now=now,
    )
    return store


def populate(
    store,
    seed,
    zones=6,
    families=8,
    sellers=6,
    customers=60,
    products=120,
    orders=320,
    edited=None,
    deleted=None,
    broken_orders=2,
    lines=(1, 12),
    now=None,
):
    """Add demo data to an empty store; ``generate`` documents the parameters."""
    counts = {
        "zones": zones,
        "families": families,
        "sellers": sellers,
        "customers": customers,
        "products": products,
        "orders": orders,
        "broken_orders": broken_orders,
    }
    for name, value in counts.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    if families > len(data.FAMILIES):
        raise ValueError(
            f"families must be at most {len(data.FAMILIES)}, got {families}"
        )
    lines = tuple(lines)
    if (
        len(lines) != 2
        or not all(isinstance(value, int) for value in lines)
        or not 1 <= lines[0] <= lines[1]
    ):
        raise ValueError(
            "lines must be (minimum, maximum) with 1 <= minimum <= maximum, "
            f"got {lines!r}"
        )
    if orders and not (customers and products and sellers and zones and families):
        raise ValueError(
            "orders need at least one zone, family, seller, customer and product"
        )
    if products and not (families and zones):
        raise ValueError("products need at least one family")
    if customers and not zones:
        raise ValueError("customers need at least one zone")

    rng = random.Random(seed)
    now = store.now() if now is None else coerce_datetime(now)
    metro = rng.choice(data.METROS)
    builder = _Builder(store, rng, now, metro)
    builder.add_company()
    zone_ids = builder.add_zones(zones)
    family_ids = builder.add_families(families)
    seller_ids = builder.add_users(sellers)
    price_list_ids = builder.add_price_lists()
    customer_rows = builder.add_customers(customers, zone_ids, price_list_ids)
    product_rows = builder.add_products(products, family_ids)
    if orders:
        edited = round(orders * EDITED_SHARE) if edited is None else edited
        deleted = round(orders * DELETED_SHARE) if deleted is None else deleted
        if edited + deleted + min(broken_orders, orders) > orders:
            raise ValueError("edited + deleted + broken_orders must not exceed orders")
        builder.add_orders(
            orders,
            edited,
            deleted,
            broken_orders,
            lines,
            customer_rows,
            product_rows,
            seller_ids,
            zone_ids,
        )
    return store


def _plain(text):
    """Return the uppercase ASCII letters of a text, accents and other signs removed."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(
        char for char in decomposed if char.isascii() and char.isalpha()
    ).upper()


def ean13(rng):
    """Return a random EAN-13 with Mexico's GS1 prefix 750 and a valid check digit."""
    digits = [7, 5, 0] + [rng.randrange(10) for _ in range(9)]
    weighted = sum(
        digit * (3 if index % 2 else 1) for index, digit in enumerate(digits)
    )
    digits.append((10 - weighted % 10) % 10)
    return "".join(str(digit) for digit in digits)


def company_rfc(rng, name, founded):
    """Return a fake 12-character RFC of a persona moral.

    It is 3 letters, the date YYMMDD and a homoclave.
    """
    skipped = {"DE", "DEL", "LA", "LAS", "LOS", "EL", "Y", "SA", "CV", "RL", "SAS"}
    words = [_plain(word) for word in name.replace(".", " ").split()]
    letters = "".join(word[0] for word in words if word and word not in skipped)[
        :3
    ].ljust(3, "X")
    return f"{letters}{founded:%y%m%d}ZZ{rng.randrange(10)}"


def person_rfc(rng, first_name, surname, second_surname, born):
    """Return a fake 13-character RFC of a persona física.

    It is 4 letters, the date YYMMDD and a homoclave.
    """
    first = _plain(first_name.split()[0])
    last = _plain(surname)
    vowel = next((char for char in last[1:] if char in "AEIOU"), "X")
    letters = last[0] + vowel + _plain(second_surname)[0] + first[0]
    if letters in data.RFC_FORBIDDEN_WORDS:
        letters = letters[:3] + "X"
    return f"{letters}{born:%y%m%d}ZZ{rng.randrange(10)}"


class _Builder:
    """Creates the records of one generated company, in a fixed order."""

    def __init__(self, store, rng, now, metro):
        self.store = store
        self.rng = rng
        self.now = now
        self.metro = metro
        self.admin_id = None

    def _past(self, min_days, max_days):
        seconds = self.rng.randint(min_days * 86400, max_days * 86400)
        return self.now - dt.timedelta(seconds=seconds)

    def _person(self):
        return (
            self.rng.choice(data.FIRST_NAMES),
            self.rng.choice(data.SURNAMES),
            self.rng.choice(data.SURNAMES),
        )

    def add_company(self):
        self.store.set_company(
            company=self.metro["company"], currency="MXN", productUnit="PZA"
        )

    def add_zones(self, count):
        zone_ids = []
        for index in range(count):
            if index < len(data.ZONES):
                name, color = data.ZONES[index]
            else:
                name, color = (
                    f"Zona {index + 1}",
                    f"#{self.rng.randrange(0x1000000):06x}",
                )
            zone = self.store.add_zone(
                name, color=color, date_created=self._past(700, 900)
            )
            zone_ids.append(zone["id"])
        return zone_ids

    def add_families(self, count):
        family_ids = []
        for family in data.FAMILIES[:count]:
            created = self._past(700, 900)
            family_ids.append(
                self.store.add_family(family["name"], date_created=created)["id"]
            )
        return family_ids

    def add_users(self, sellers):
        """Add one administrator and ``sellers`` salespeople.

        Returns the ids of the enabled sellers.
        """
        domain = self.metro["domain"]
        first, surname, _ = self._person()
        admin = self.store.add_user(
            f"{first} {surname}",
            f"admin@{domain}",
            role_id=1,
            extras="",
            date_created=self._past(800, 900),
        )
        self.admin_id = admin["id"]
        seller_ids = []
        usernames = set()
        for index in range(sellers):
            first, surname, _ = self._person()
            base = f"{_plain(first.split()[0]).lower()}.{_plain(surname).lower()}"
            username = f"{base}@{domain}"
            suffix = 2
            while username in usernames:
                username = f"{base}{suffix}@{domain}"
                suffix += 1
            usernames.add(username)
            # With five sellers or more, the last one has left the company.
            enabled = not (sellers >= 5 and index == sellers - 1)
            user = self.store.add_user(
                f"{first} {surname}",
                username,
                role_id=4,
                enabled=enabled,
                extras=f"Ruta {index + 1}",
                date_created=self._past(30, 700),
            )
            if enabled:
                seller_ids.append(user["id"])
        return seller_ids

    def add_price_lists(self):
        general = self.store.add_price_list(
            "LP01", "General", date_created=self._past(800, 900)
        )
        wholesale = self.store.add_price_list(
            "LP02", "Mayoreo", date_created=self._past(800, 900)
        )
        self.store.add_price_list(
            "LP03", "Institucional", enabled=False, date_created=self._past(800, 900)
        )
        return general["id"], wholesale["id"]

    def add_customers(self, count, zone_ids, price_list_ids):
        """Add customers and return a row for each enabled one.

        Each row is ``(code, zone id, latitude, longitude, billable)``.
        """
        rng = self.rng
        disabled = (
            set(rng.sample(range(count), max(1, round(count * 0.05))))
            if count >= 10
            else set()
        )
        used_names = {}
        rows = []
        for index in range(count):
            city = rng.choice(self.metro["cities"])
            name = f"{rng.choice(data.SHOP_KINDS)} {rng.choice(data.SHOP_NAMES)}"
            used_names[name] = used_names.get(name, 0) + 1
            if used_names[name] > 1:
                name = f"{name} {used_names[name]}"
            fields = self._customer_fields(city)
            credit = (
                0.0
                if rng.random() < 0.5
                else float(rng.choice((2000, 3000, 5000, 8000, 10000, 15000, 20000)))
            )
            fields["credit"] = credit
            fields["creditDays"] = 0 if not credit else rng.choice((7, 15, 30))
            fields["balance"] = (
                0.0 if not credit else round_cents(rng.uniform(0, credit * 0.7))
            )
            fields["priceList"] = (
                price_list_ids[0] if rng.random() < 0.8 else price_list_ids[1]
            )
            fields["enabled"] = index not in disabled
            fields["prospect"] = rng.random() < 0.03
            if rng.random() < 0.2:
                fields["comments"] = rng.choice(data.CUSTOMER_COMMENTS)
            zone_id = rng.choice(zone_ids)
            code = f"C{index + 1:05d}"
            created = self._past(30, 800)
            self.store.add_customer(code, name, zone_id, date_created=created, **fields)
            if rng.random() < 0.3:
                self.store._backdate(
                    "customer", code, created + (self.now - created) * rng.random()
                )
            if fields["enabled"]:
                billable = fields.get("rfc") is not None and rng.random() < 0.5
                rows.append(
                    (code, zone_id, fields["latitude"], fields["longitude"], billable)
                )
        return rows

    def _customer_fields(self, city):
        rng = self.rng
        first, surname, second_surname = self._person()
        fields = {
            "address": f"{rng.choice(data.STREETS)} {rng.randint(1, 3999)}",
            "neighborhood": rng.choice(data.NEIGHBORHOODS),
            "city": city["city"],
            "postalCode": f"{rng.randint(*city['postal']):05d}",
            "latitude": round(city["lat"] + rng.uniform(-0.06, 0.06), 6),
            "longitude": round(city["lng"] + rng.uniform(-0.06, 0.06), 6),
        }
        area = city["area"]
        number = f"{rng.randrange(10 ** (10 - len(area))):0{10 - len(area)}d}"
        if len(area) == 2:
            fields["phoneNumber"] = f"{area} {number[:4]} {number[4:]}"
        else:
            fields["phoneNumber"] = f"{area} {number[:3]} {number[3:]}"
        kind = rng.random()
        if kind < 0.4:
            word = rng.choice(data.COMPANY_WORDS)
            business = (
                f"{word} {surname} {second_surname} {rng.choice(data.COMPANY_SUFFIXES)}"
            )
            founded = dt.date(
                rng.randint(1990, 2020), rng.randint(1, 12), rng.randint(1, 28)
            )
            fields["businessName"] = business
            fields["rfc"] = company_rfc(
                rng, f"{word} {surname} {second_surname}", founded
            )
            fields["fiscalRegime"] = "601"
            fields["cfdiUse"] = "G01"
        else:
            fields["businessName"] = f"{first} {surname} {second_surname}"
            if kind < 0.75:
                born = dt.date(
                    rng.randint(1955, 2000), rng.randint(1, 12), rng.randint(1, 28)
                )
                fields["rfc"] = person_rfc(rng, first, surname, second_surname, born)
                fields["fiscalRegime"] = rng.choice(("612", "626"))
                fields["cfdiUse"] = "G01"
        if rng.random() < 0.3:
            fields["email"] = (
                f"{_plain(first.split()[0]).lower()}.{_plain(surname).lower()}@correo-sandbox.example"
            )
        return fields

    def _product_pool(self, family_count):
        """List every product variant of the chosen families, in catalog order."""
        pool = []
        for family_index, family in enumerate(data.FAMILIES[:family_count]):
            for item in family["items"]:
                description, category, sat_code, taxes, unit, price_range, sizes = item
                for size, factor in sizes:
                    label = (
                        description
                        if size == "a granel" and unit == "KG"
                        else f"{description} {size}"
                    )
                    variant = (
                        family_index,
                        label,
                        category,
                        sat_code,
                        taxes,
                        unit,
                        price_range,
                        factor,
                        None,
                    )
                    pool.append(variant)
                    if unit == "PZA":
                        case = self.rng.choice(data.CASE_SIZES)
                        pool.append(
                            (
                                family_index,
                                f"{label}, caja con {case}",
                                category,
                                sat_code,
                                taxes,
                                "CJA",
                                price_range,
                                factor * case,
                                case,
                            )
                        )
        return pool

    def _choose_variants(self, count, family_count):
        """Pick ``count`` product variants.

        When the pool runs out, it is used again with "(presentación N)" added to
        the descriptions.
        """
        pool = self._product_pool(family_count)
        if not pool:
            return []
        chosen = []
        for round_number in range(count // len(pool) + 1):
            take = min(len(pool), count - len(chosen))
            for index in sorted(self.rng.sample(range(len(pool)), take)):
                variant = pool[index]
                if round_number:
                    variant = (
                        variant[:1]
                        + (f"{variant[1]} (presentación {round_number + 1})",)
                        + variant[2:]
                    )
                chosen.append(variant)
        chosen.sort(key=lambda variant: variant[0])
        return chosen

    def _stock(self, unit):
        if unit == "KG":
            return round(self.rng.uniform(0, 250), 3)
        if unit == "CJA":
            return float(self.rng.randint(0, 120))
        return float(0 if self.rng.random() < 0.05 else self.rng.randint(1, 600))

    def add_products(self, count, family_ids):
        """Add products; return ``(code, unit)`` of the enabled ones."""
        rng = self.rng
        chosen = self._choose_variants(count, len(family_ids))
        disabled = (
            set(rng.sample(range(count), max(1, round(count * 0.04))))
            if count >= 10
            else set()
        )
        categories = {}
        next_number = {}
        rows = []
        for index, variant in enumerate(chosen):
            (
                family_index,
                label,
                category,
                sat_code,
                taxes,
                unit,
                price_range,
                factor,
                _case,
            ) = variant
            family = data.FAMILIES[family_index]
            next_number[family_index] = next_number.get(family_index, 0) + 1
            # About one code in twenty has a space, which clients must URL-encode.
            separator = " " if rng.random() < 0.05 else "-"
            code = f"{family['prefix']}{separator}{next_number[family_index]:04d}"
            if category not in categories:
                categories[category] = self.store.add_category(category)["id"]

            base_price = round_cents(rng.uniform(*price_range) * factor)
            tax_rate, optional_rate = taxes
            price = price_with_taxes(
                base_price, [rate for rate in taxes if rate is not None]
            )
            self.store.add_product(
                code,
                label,
                price,
                family_ids[family_index],
                tax_rate=tax_rate,
                tax_optional_rate=optional_rate,
                date_created=self._past(30, 800),
                basePrice=base_price,
                minimumPrice=round_cents(price * 0.9),
                quantity=self._stock(unit),
                barcode=ean13(rng),
                unit={"code": unit},
                category={"id": categories[category]},
                satProductCode=sat_code,
                satUnitCode=data.SAT_UNIT_CODES[unit],
                enabled=index not in disabled,
            )
            if index not in disabled:
                rows.append((code, unit))
        return rows

    def _order_lines(self, product_rows, count):
        rng = self.rng
        lines = []
        for code, unit in rng.sample(product_rows, min(count, len(product_rows))):
            line = {"product": code, "quantity": self._quantity(unit)}
            roll = rng.random()
            if roll < 0.04 and unit != "KG":
                line["isReward"] = True
                line["quantity"] = rng.randint(1, 2)
            elif roll < 0.19:
                line["discountPercentage"] = rng.choice(DISCOUNTS)
            lines.append(line)
        return lines

    def _quantity(self, unit):
        if unit == "KG":
            return round(
                self.rng.choice((0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 5.0))
                + self.rng.randint(0, 3) * 0.125,
                3,
            )
        if unit == "CJA":
            return self.rng.randint(1, 5)
        return self.rng.randint(1, 24)

    def _edit_lines(self, lines, product_rows):
        """Return a changed copy of an order's lines, as a correcting seller would."""
        rng = self.rng
        edited = [dict(line) for line in lines]
        action = rng.random()
        if action < 0.5 or len(product_rows) <= len(edited):
            line = rng.choice(edited)
            line["quantity"] = line["quantity"] + (
                1 if isinstance(line["quantity"], int) else 0.5
            )
        elif action < 0.75 and len(edited) > 1:
            edited.pop(rng.randrange(len(edited)))
        else:
            used = {line["product"] for line in edited}
            code, unit = rng.choice([row for row in product_rows if row[0] not in used])
            edited.pop(rng.randrange(len(edited)))
            edited.append({"product": code, "quantity": self._quantity(unit)})
        return edited

    def _later(self, moment, min_seconds, max_seconds):
        """Return a moment after ``moment`` and not after now."""
        room = int((self.now - moment).total_seconds())
        if room <= 0:
            return moment
        return moment + dt.timedelta(
            seconds=self.rng.randint(min(min_seconds, room), min(max_seconds, room))
        )

    def add_orders(
        self,
        count,
        edited,
        deleted,
        broken,
        lines,
        customer_rows,
        product_rows,
        seller_ids,
        zone_ids,
    ):
        """Take ``count`` pre-sales in the 24 hours before now.

        Then apply the edits and deletions in time order.
        """
        rng = self.rng
        if not customer_rows or not product_rows:
            raise ValueError(
                "orders need at least one enabled customer and one enabled product"
            )
        if not seller_ids:
            raise ValueError("orders need at least one enabled seller")
        seller_of_zone = {
            zone_id: seller_ids[index % len(seller_ids)]
            for index, zone_id in enumerate(zone_ids)
        }
        specs = []
        for _ in range(count):
            mobile = self.now - dt.timedelta(seconds=rng.randint(60, 86400 - 1))
            if rng.random() < 0.05:
                created = self._later(mobile, 3600, 6 * 3600)
            else:
                created = self._later(mobile, 2, 20)
            code, zone_id, latitude, longitude, billable = rng.choice(customer_rows)
            fields = {
                "billable": billable,
                "accuracy": round(rng.uniform(4, 35), 1),
                "tookInPlace": rng.random() < 0.95,
                "networkSignalQuality": rng.randint(1, 5),
            }
            if latitude is not None:
                fields["latitude"] = round(latitude + rng.uniform(-0.0003, 0.0003), 6)
                fields["longitude"] = round(longitude + rng.uniform(-0.0003, 0.0003), 6)
            if rng.random() < 0.15:
                fields["sellerComment"] = rng.choice(data.SELLER_COMMENTS)
            specs.append(
                {
                    "customer": code,
                    "seller": seller_of_zone[zone_id],
                    "mobile": mobile,
                    "created": created,
                    "lines": self._order_lines(product_rows, rng.randint(*lines)),
                    "fields": fields,
                }
            )
        specs.sort(key=lambda spec: spec["created"])

        order_indexes = list(range(count))
        rng.shuffle(order_indexes)
        broken = min(broken, count)
        broken_indexes = order_indexes[:broken]
        edited_indexes = order_indexes[broken : broken + edited]
        deleted_indexes = order_indexes[broken + edited : broken + edited + deleted]
        twice = set(edited_indexes[: max(1, edited // 4)]) if edited >= 3 else set()

        for number, index in enumerate(sorted(broken_indexes), start=1):
            spec = specs[index]
            spec["lines"][-1] = {
                "product": f"BAJA-{number:04d}",
                "quantity": 2,
                "price": round_cents(rng.uniform(15, 60)),
                "description": f"Producto dado de baja {number}",
            }

        # Events are (time, kind order, order index): creations first when times tie.
        events = [(spec["created"], 0, index) for index, spec in enumerate(specs)]
        for index in edited_indexes:
            first_edit = self._later(specs[index]["created"], 300, 3 * 3600)
            events.append((first_edit, 1, index))
            if index in twice:
                events.append((self._later(first_edit, 300, 2 * 3600), 2, index))
        for index in deleted_indexes:
            events.append(
                (self._later(specs[index]["created"], 600, 4 * 3600), 3, index)
            )
        events.sort()

        current = {}
        for when, kind, index in events:
            spec = specs[index]
            if kind == 0:
                order = self.store.create_order(
                    spec["customer"],
                    spec["lines"],
                    seller_id=spec["seller"],
                    date_created=spec["created"],
                    mobile_date_created=spec["mobile"],
                    **spec["fields"],
                )
            elif kind in (1, 2):
                spec["lines"] = self._edit_lines(spec["lines"], product_rows)
                order = self.store.edit_order(
                    current[index],
                    spec["lines"],
                    date_created=when,
                    mobile_date_created=when - dt.timedelta(seconds=rng.randint(2, 20)),
                )
            else:
                order = self.store.delete_order(
                    current[index], deleted_by=self.admin_id, date_deleted=when
                )
            current[index] = order["id"]
