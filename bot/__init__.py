"""The platform-agnostic core of coworkbot. Never imports telegram or nio."""
