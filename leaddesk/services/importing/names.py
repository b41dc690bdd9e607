"""Splitting a person's full name into first and last name, for files that only have a full name."""

from __future__ import annotations

from nameparser import HumanName


def split_full_name(text: str) -> tuple[str, str]:
    """Return (first name, last name) of a full name such as "Dr. Mary Ann Smith Jr." or "Smith, John".

    nameparser drops titles and suffixes and reads "Last, First". A middle name joins the
    first name ("Mary Ann"), so no part of the name is lost. A single word is a first name,
    even one that nameparser takes for a title, such as "Prince".
    """
    name = HumanName(text)
    first = " ".join(part for part in (name.first, name.middle) if part)
    last = name.last
    if not first and not last:
        words = text.split()
        return (words[0], " ".join(words[1:])) if words else ("", "")
    return first, last
