"""Platform feeds: adapters that take a platform's own live events (Mastodon's signed admin
webhooks, Bluesky's Jetstream) and put them on cordon's event stream as versioned envelopes
(stream/envelope.py), for `cordon worker` to process. Also the sign-up detector the worker
calls on new accounts (signup.py). See docs/feeds.md."""
