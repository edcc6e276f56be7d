"""The texts a member agrees to when becoming a full member, by version. A consent records the
version; that version's text stays readable at /members/policies/<kind>/<version>, so what a
member agreed to can always be shown. A new text is a new version (a new template), never an
edit of an old one."""

TERMS, PRIVACY = "terms", "privacy"
TITLES = {TERMS: "会員規約", PRIVACY: "プライバシーポリシー"}
# Oldest first; the last is the one new members agree to.
VERSIONS = {TERMS: ("2026-11",), PRIVACY: ("2026-11",)}


def current_version(kind: str) -> str:
    return VERSIONS[kind][-1]


def template_for(*, kind: str, version: str) -> str | None:
    """The template holding that text, or None for an unknown kind or version."""
    if version not in VERSIONS.get(kind, ()):
        return None
    return f"members/policies/{kind}-{version}.html"
