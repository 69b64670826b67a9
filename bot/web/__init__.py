"""The web application in the bot's process: health, metrics, calendar feeds, webhooks, public pages."""
