import { registry } from "@web/core/registry";

// Opens the Handy Integration tab of an imported order and checks what it shows.
registry.category("web_tour.tours").add("handoo_order_tab", {
    steps: () => [
        {
            content: "Open the Handy Integration tab",
            trigger: ".o_form_view .o_notebook .nav-link:contains(Handy Integration)",
            run: "click",
        },
        {
            content: "The tab shows Handy's status of the order",
            trigger: ".tab-pane.active .o_field_widget[name=handoo_status]:contains(Pending Delivery)",
        },
        {
            content: "The tab links to the order in Handy's web app",
            trigger: ".tab-pane.active .o_field_widget[name=handoo_url] a[href*='/salesOrder/show/']",
        },
        {
            content: "The tab shows the reservation of the order",
            trigger: ".tab-pane.active .o_field_widget[name=handoo_reservation_id]",
        },
    ],
});
