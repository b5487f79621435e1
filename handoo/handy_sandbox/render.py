"""Shapes of the records as the API returns them.

The store keeps each record as a flat dict: public scalar fields under their API
names, dates as aware datetimes, and references to other records under keys that
start with ``_`` (``_zone_id``, ``_customer_id``...). The methods here turn such a
dict into the API shape. References are resolved at render time, the way a
relational backend joins them, so a renamed zone shows its new name inside every
customer.
"""

from .dates import to_iso

# NOTE: Handy publishes only role 4 = ROLE_SALES. The other ids and names are
# assumptions of the sandbox.
ROLES = {
    1: "ROLE_COMPANY_ADMIN",
    2: "ROLE_SUPERVISOR",
    3: "ROLE_INVENTORY_MANAGER",
    4: "ROLE_SALES",
    5: "ROLE_DELIVERY",
}

OPERATIVE_STATUS_LABELS = {
    "PENDING_DELIVERY": "Por entregar",
    "ON_ROUTE": "En ruta",
    "PARTIAL_DELIVERED_OPEN": "Entrega parcial",
    "PARTIAL_DELIVERED_CLOSED": "Cerrado - Entrega parcial",
    "DELIVERED_COMPLETE": "Entrega completa",
    "RETURNED": "Devuelto",
    "CLOSED": "Cerrado",
}

# Fields that ``sort`` accepts: the scalar fields of each list item.
SORTABLE_FIELDS = {
    "user": (
        "id",
        "username",
        "name",
        "email",
        "enabled",
        "extras",
        "dateCreated",
        "lastUpdated",
    ),
    "zone": ("id", "description", "color", "enabled", "dateCreated", "lastUpdated"),
    "productFamily": ("id", "description", "enabled", "dateCreated", "lastUpdated"),
    "priceList": ("id", "code", "name", "enabled", "dateCreated", "lastUpdated"),
    "customer": (
        "id",
        "code",
        "description",
        "businessName",
        "rfc",
        "address",
        "neighborhood",
        "city",
        "postalCode",
        "phoneNumber",
        "email",
        "latitude",
        "longitude",
        "balance",
        "credit",
        "creditDays",
        "comments",
        "prospect",
        "enabled",
        "dateCreated",
        "lastUpdated",
    ),
    "product": (
        "id",
        "code",
        "description",
        "barcode",
        "price",
        "basePrice",
        "minimumPrice",
        "quantity",
        "satProductCode",
        "satUnitCode",
        "enabled",
        "dateCreated",
        "lastUpdated",
    ),
    "salesOrder": (
        "id",
        "externalId",
        "mobileDateCreated",
        "dateCreated",
        "salesType",
        "operativeStatus",
        "totalSales",
        "totalBeforeTax",
        "totalTax",
        "scheduledDateForDelivery",
        "exported",
        "billable",
        "billed",
        "creationSource",
        "deleted",
        "dateDeleted",
        "isEdited",
        "lastUpdated",
    ),
    "route": (
        "id",
        "status",
        "closed",
        "dateCreated",
        "dateLoadAccepted",
        "dateFinished",
        "dateClosed",
        "lastUpdated",
        "dateForDelivery",
        "initialAmount",
        "nextRouteId",
    ),
}


class RecordRenderer:
    """Mixin of SandboxStore that renders its internal records.

    Its methods must be called with the store's lock held.
    """

    def _render_zone(self, zone):
        return {
            "id": zone["id"],
            "description": zone["description"],
            "color": zone["color"],
            "enabled": zone["enabled"],
            "dateCreated": to_iso(zone["dateCreated"]),
            "lastUpdated": to_iso(zone["lastUpdated"]),
        }

    def _zone_ref(self, zone_id):
        zone = self._zones.get(zone_id)
        if zone is None:
            return None
        return {
            "id": zone["id"],
            "description": zone["description"],
            "color": zone["color"],
            "enabled": zone["enabled"],
        }

    def _render_family(self, family):
        return {
            "id": family["id"],
            "description": family["description"],
            "enabled": family["enabled"],
            "dateCreated": to_iso(family["dateCreated"]),
            "lastUpdated": to_iso(family["lastUpdated"]),
        }

    def _family_ref(self, family_id):
        family = self._families.get(family_id)
        if family is None:
            return None
        return {
            "id": family["id"],
            "description": family["description"],
            "enabled": family["enabled"],
        }

    def _category_ref(self, category_id):
        category = self._categories.get(category_id)
        if category is None:
            return None
        return dict(category)

    def _unit_ref(self, unit_id):
        unit = self._units.get(unit_id)
        if unit is None:
            return None
        return dict(unit)

    def _tax_ref(self, tax_id):
        tax = self._taxes.get(tax_id)
        if tax is None:
            return None
        return dict(tax)

    def _render_price_list(self, price_list):
        return {
            "id": price_list["id"],
            "code": price_list["code"],
            "name": price_list["name"],
            "enabled": price_list["enabled"],
            "dateCreated": to_iso(price_list["dateCreated"]),
            "lastUpdated": to_iso(price_list["lastUpdated"]),
        }

    def _price_list_ref(self, price_list_id):
        price_list = self._price_lists.get(price_list_id)
        if price_list is None:
            return None
        return {
            "id": price_list["id"],
            "code": price_list["code"],
            "name": price_list["name"],
            "enabled": price_list["enabled"],
        }

    def _render_user(self, user):
        role_id = user["_role_id"]
        return {
            "id": user["id"],
            "username": user["username"],
            "name": user["name"],
            "email": user["email"],
            "enabled": user["enabled"],
            "extras": user["extras"],
            "role": {"id": role_id, "authority": ROLES.get(role_id, f"ROLE_{role_id}")},
            "pictureUrl": user["pictureUrl"],
            "dateCreated": to_iso(user["dateCreated"]),
            "lastUpdated": to_iso(user["lastUpdated"]),
        }

    def _user_ref(self, user_id):
        user = self._users.get(user_id)
        if user is None:
            return None
        return {
            "id": user["id"],
            "name": user["name"],
            "username": user["username"],
            "enabled": user["enabled"],
            "extras": user["extras"],
        }

    def _render_customer(self, customer):
        return {
            "id": customer["id"],
            "code": customer["code"],
            "description": customer["description"],
            "businessName": customer["businessName"],
            "rfc": customer["rfc"],
            "address": customer["address"],
            "neighborhood": customer["neighborhood"],
            "city": customer["city"],
            "postalCode": customer["postalCode"],
            "phoneNumber": customer["phoneNumber"],
            "email": customer["email"],
            "latitude": customer["latitude"],
            "longitude": customer["longitude"],
            "zone": self._zone_ref(customer["_zone_id"]),
            "priceList": self._price_list_ref(customer["_price_list_id"]),
            "balance": customer["balance"],
            "credit": customer["credit"],
            "creditDays": customer["creditDays"],
            "comments": customer["comments"],
            "prospect": customer["prospect"],
            "fiscalRegime": customer["fiscalRegime"],
            "cfdiUse": customer["cfdiUse"],
            "enabled": customer["enabled"],
            "dateCreated": to_iso(customer["dateCreated"]),
            "lastUpdated": to_iso(customer["lastUpdated"]),
        }

    def _customer_ref(self, customer_id):
        """Return the customer as embedded in an order."""
        customer = self._customers.get(customer_id)
        if customer is None:
            return None
        return {
            "id": customer["id"],
            "code": customer["code"],
            "description": customer["description"],
            "enabled": customer["enabled"],
            "zone": self._zone_ref(customer["_zone_id"]),
            "priceList": self._price_list_ref(customer["_price_list_id"]),
            "balance": customer["balance"],
            "credit": customer["credit"],
        }

    def _render_product(self, product):
        return {
            "id": product["id"],
            "code": product["code"],
            "description": product["description"],
            "details": product["details"],
            "barcode": product["barcode"],
            "price": product["price"],
            "basePrice": product["basePrice"],
            "minimumPrice": product["minimumPrice"],
            "quantity": product["quantity"],
            "tax": self._tax_ref(product["_tax_id"]),
            "taxOptional": self._tax_ref(product["_tax_optional_id"]),
            "unit": self._unit_ref(product["_unit_id"]),
            "family": self._family_ref(product["_family_id"]),
            "category": self._category_ref(product["_category_id"]),
            "pictureUrl": product["pictureUrl"],
            "satProductCode": product["satProductCode"],
            "satUnitCode": product["satUnitCode"],
            "enabled": product["enabled"],
            "dateCreated": to_iso(product["dateCreated"]),
            "lastUpdated": to_iso(product["lastUpdated"]),
        }

    def _render_item(self, item):
        product = (
            self._products.get(item["_product_id"])
            if item["_product_id"] is not None
            else None
        )
        if product is not None:
            product_ref = {
                "id": product["id"],
                "code": product["code"],
                "description": product["description"],
            }
        else:
            product_ref = dict(item["_product_ref"])
        return {
            "id": item["id"],
            "product": product_ref,
            "quantity": item["quantity"],
            "originalPrice": item["originalPrice"],
            "discountPercentage": item["discountPercentage"],
            "discount": item["discount"],
            "price": item["price"],
            "total": item["total"],
            "priceType": item["priceType"],
            "isReward": item["isReward"],
            "isReturn": item["isReturn"],
            "returnCondition": item["returnCondition"],
            "delivered": item["delivered"],
            "tax": self._tax_ref(item["_tax_id"]),
            "taxOptional": self._tax_ref(item["_tax_optional_id"]),
            "promoIds": item["promoIds"],
            "promoNames": item["promoNames"],
            "comments": item["comments"],
        }

    def _render_order(self, order):
        edited_from = None
        if order["_edited_from_id"] is not None:
            edited_from = self._render_order(self._orders[order["_edited_from_id"]])
        order_type = self._order_types.get(order["_type_id"])
        return {
            "id": order["id"],
            "externalId": order["externalId"],
            "mobileDateCreated": to_iso(order["mobileDateCreated"]),
            "dateCreated": to_iso(order["dateCreated"]),
            "customer": self._customer_ref(order["_customer_id"]),
            "createdBy": self._user_ref(order["_created_by_id"]),
            "items": [self._render_item(item) for item in order["items"]],
            "type": dict(order_type) if order_type else None,
            "salesType": order["salesType"],
            "operativeStatus": order["operativeStatus"],
            "prettyOperativeStatus": OPERATIVE_STATUS_LABELS[order["operativeStatus"]],
            "totalSales": order["totalSales"],
            "totalBeforeTax": order["totalBeforeTax"],
            "totalTax": order["totalTax"],
            "scheduledDateForDelivery": to_iso(order["scheduledDateForDelivery"]),
            "sellerComment": order["sellerComment"],
            "latitude": order["latitude"],
            "longitude": order["longitude"],
            "accuracy": order["accuracy"],
            "tookInPlace": order["tookInPlace"],
            "priceList": self._price_list_ref(order["_price_list_id"]),
            "exported": order["exported"],
            "billable": order["billable"],
            "billed": order["billed"],
            "routeSalePaymentType": order["routeSalePaymentType"],
            "routeId": order["_route_id"],
            "promoIds": order["promoIds"],
            "promoNames": order["promoNames"],
            "networkSignalQuality": order["networkSignalQuality"],
            "creationSource": order["creationSource"],
            "deleted": order["deleted"],
            "dateDeleted": to_iso(order["dateDeleted"]),
            "deletedBy": self._user_ref(order["_deleted_by_id"]),
            "isEdited": order["isEdited"],
            "editedFrom": edited_from,
            "lastUpdated": to_iso(order["lastUpdated"]),
        }

    def _product_ref(self, product_id):
        """Return a product as embedded in order items and routes."""
        product = self._products[product_id]
        return {
            "id": product["id"],
            "code": product["code"],
            "description": product["description"],
        }

    def _render_route_line(self, line):
        rendered = {
            "product": self._product_ref(line["_product_id"]),
            "quantity": line["quantity"],
        }
        if "destination" in line:
            rendered["destination"] = line["destination"]
        return rendered

    def _render_route(self, route):
        """Return a route with ``salesOrders``, which list calls may drop."""
        settlement = route["_settlement"]
        return {
            "id": route["id"],
            "user": self._user_ref(route["_user_id"]),
            "salesOrders": route["_order_ids"] + route["_sale_ids"],
            "status": route["status"],
            "closed": route["closed"],
            "dateCreated": to_iso(route["dateCreated"]),
            "dateLoadAccepted": to_iso(route["dateLoadAccepted"]),
            "dateFinished": to_iso(route["dateFinished"]),
            "dateClosed": to_iso(route["dateClosed"]),
            "lastUpdated": to_iso(route["lastUpdated"]),
            "dateForDelivery": route["dateForDelivery"],
            "products": [self._render_route_line(line) for line in route["_products"]],
            "carriedOver": [
                self._render_route_line(line) for line in route["_carried_over"]
            ],
            "settlement": None
            if settlement is None
            else [self._render_route_line(line) for line in settlement],
            "initialAmount": route["initialAmount"],
            "comments": route["comments"],
            "nextRouteId": route["nextRouteId"],
        }
