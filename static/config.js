// The API base URL. The local stack and the deploy overwrite this file; everything else imports it.
export const API_BASE_URL = "http://127.0.0.1:8000";
