"""E-mail: the transactional outbox, the sender that delivers it over SMTP, and the message templates
(docs/mail.md)."""
