"""Platform adapters: the only code that talks to Telegram, Matrix or a terminal."""
