-- A copy of the database (staging, a restored backup) must neither read nor write
-- the production Handy account, nor accept its webhooks.
UPDATE res_company
   SET handoo_api_token = NULL,
       handoo_webhook_secret = NULL,
       handoo_sync_enabled = FALSE;
