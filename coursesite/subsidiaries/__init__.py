"""The subsidiaries that receive participants' data (docs/privacy-sharing.md): their registry and bearer tokens, the
participants each may receive through the subsidiary API with every disclosure logged, and the art. 19 notices
queued for them (service.py). What each purpose may receive is the pure allow-list in privacy/sharing.py."""
