"""The public forms and the newsletter (issue 5 §2): the contact, webinar, sign-up, e-book and newsletter forms
(forms.py: the catalogue and the pure validation, PublicForms stores), the newsletter exports to the processors
Apsis and Mailchimp (newsletter.py) and the art. 19 notices staff carry out in those processors' tools
(processors.py). docs/privacy-forms.md describes them."""
