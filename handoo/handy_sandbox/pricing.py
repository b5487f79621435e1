"""Price, line and order-total arithmetic, following the handoo contract.

All prices are tax included. Amounts are computed with Decimal and rounded half up
to cents at each step that the contract names, then returned as floats because the
API sends JSON numbers.
"""

from decimal import ROUND_HALF_UP, Decimal

# Names given to the main tax and the optional tax when a write gives only a rate.
DEFAULT_TAX_NAME = "IVA"
DEFAULT_OPTIONAL_TAX_NAME = "IEPS"

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def to_decimal(value):
    """Convert an int, float or numeric string to Decimal without binary noise."""
    return Decimal(str(value))


def round_cents(value):
    """Round to cents, half up, and return a float."""
    return float(to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def price_with_taxes(base_price, rates):
    """Return the tax-included price for a base price and tax percentages."""
    factor = 1 + sum(to_decimal(rate) for rate in rates) / HUNDRED
    return round_cents(to_decimal(base_price) * factor)


def base_from_price(price, rates):
    """Return the price before taxes for a tax-included price, rounded to cents."""
    factor = 1 + sum(to_decimal(rate) for rate in rates) / HUNDRED
    return round_cents(to_decimal(price) / factor)


def compute_line(original_price, quantity, discount_percentage=0, is_reward=False):
    """Return ``(price, total, discount_percentage)`` of one order line.

    ``price = originalPrice × (1 − discountPercentage / 100)`` and
    ``total = price × quantity``, each rounded to cents. A reward line is free:
    its discount is 100 % and its price and total are 0.
    """
    if is_reward:
        return 0.0, 0.0, 100.0
    discount = to_decimal(discount_percentage)
    price = to_decimal(
        round_cents(to_decimal(original_price) * (1 - discount / HUNDRED))
    )
    total = round_cents(price * to_decimal(quantity))
    return float(price), total, float(discount)


def line_taxes(total, rates):
    """Return the tax amount contained in a tax-included line total, one per rate.

    Each amount is ``total × rate / (100 + sum of rates)``, rounded to cents.
    """
    total = to_decimal(total)
    rates = [to_decimal(rate) for rate in rates]
    divisor = HUNDRED + sum(rates)
    return [round_cents(total * rate / divisor) for rate in rates]


def compute_totals(lines):
    """Return ``(totalSales, totalTax, totalBeforeTax)`` of an order.

    ``lines`` is an iterable of ``(total, rates, counted)`` where ``counted`` is
    False for return lines, which stay out of the order totals.
    """
    total_sales = Decimal(0)
    total_tax = Decimal(0)
    for total, rates, counted in lines:
        if not counted:
            continue
        total_sales += to_decimal(total)
        total_tax += sum(
            (to_decimal(amount) for amount in line_taxes(total, rates)), Decimal(0)
        )
    return (
        round_cents(total_sales),
        round_cents(total_tax),
        round_cents(total_sales - total_tax),
    )
