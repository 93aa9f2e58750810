"""The public face of the site: home page, health check, shared templates."""
