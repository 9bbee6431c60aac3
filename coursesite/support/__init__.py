"""Customer service: the cases it handles and the data-subject requests it carries out.

- ``cases.py``: ``CaseService``, the case register: complaints, questions and requests (access, rectification,
  restriction, erasure) with their status, notes, deadlines, extension, the overdue list, completion and rejection.
  Every staff read and change of a case is audited here.
- ``requests.py``: ``RequestService``, what customer service does with a request once the person's identity is
  confirmed: what completing one does per kind (the one place), the rectification of an account or a form person,
  applying a restriction it registered and lifting one (the person told first), and the access export sent for an
  access request (audited as a read of all the person's data).

The split with ``coursesite/privacy/``: privacy keeps the data-protection rules and the participant's own rights:
the policy, the registry, PII detection, sharing allow-lists, the deadlines, what the participant does on Mina
uppgifter (privacy/rights.py), how the access export is built (privacy/access.py), how an erasure is done
(privacy/erasure.py), retention, page views and the audit log. This package decides when customer service uses them
and records who did; it never re-implements a rule that privacy holds. Nothing in privacy imports this package.
"""
