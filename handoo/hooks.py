def uninstall_hook(env):
    """Release the stock held for Handy quotations before handoo goes away.

    Without handoo nothing would ever release these reservations, so they are
    cancelled, and their operation types archived.
    """
    picking_types = (
        env["stock.picking.type"]
        .with_context(active_test=False)
        .search([("handoo_is_reservation", "=", True)])
    )
    pickings = env["stock.picking"].search(
        [
            ("picking_type_id", "in", picking_types.ids),
            ("state", "not in", ("done", "cancel")),
        ]
    )
    pickings.action_cancel()
    picking_types.write({"active": False})
