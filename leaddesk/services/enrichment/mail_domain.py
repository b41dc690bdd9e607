"""Company domain and free-mail flag of an e-mail address, with the dedup module's offline rules."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from leaddesk.services.dedup.normalize import email_domain, is_free_mail, registered_domain


@dataclass(frozen=True)
class MailDomain:
    """The registered domain of a work address (None for free mail) and whether the address is free mail."""

    company_domain: str | None
    is_free_mail: bool | None


NO_MAIL = MailDomain(None, None)


def mail_domain(email: str | None) -> MailDomain:
    """Return the company domain of a work e-mail ("ana@eu.acme.co.uk" gives "acme.co.uk").

    A free-mail address gives no domain and is_free_mail True. An address without a domain
    gives NO_MAIL, whose is_free_mail is None because nothing is known.
    """
    domain = email_domain(email)
    if not domain:
        return NO_MAIL
    return _domain_facts(domain)


@lru_cache(maxsize=65536)
def _domain_facts(domain: str) -> MailDomain:
    if is_free_mail(domain):
        return MailDomain(None, True)
    return MailDomain(registered_domain(domain), False)
