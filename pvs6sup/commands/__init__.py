"""The commands other than run: status, check, replay, demo."""
