-- A copy of the database (staging, a restored backup) must neither read nor write
-- the production Handy account.
UPDATE res_company
   SET handoo_api_token = NULL,
       handoo_sync_enabled = FALSE;
