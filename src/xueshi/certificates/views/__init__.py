"""Certificate pages, one module per audience:

- ``public``: the verification page behind the QR code, for anyone;
- ``professional``: a professional's own certificates;
- ``certificate``: one certificate's page and PDF, and issuing it (whoever may issue);
- ``employer``: the employer's year, batch print and verification rosters;
- ``bureau``: the bureau's verification desk, stamping, reissue and revocation;
- ``booklets``: Guangde's numbered booklets, at the bureau.
- ``stamps``: a certificate's verification path, walked by the authority and the bureau.

Each view parses the request, calls one selector or service, and renders a template.
"""
