"""The office web page (crm serve): phone-first pages and the caller-ID lookup."""
