from . import test_catalog_sync
from . import test_concurrency
from . import test_jobs
from . import test_order_sync
from . import test_routes
from . import test_settings
from . import test_ui
from . import test_webhooks
