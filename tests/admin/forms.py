"""Reading a console form the way a browser submits it, for "save unchanged" tests."""

from html.parser import HTMLParser


class _AdminForm(HTMLParser):
    """Collects the fields of the page's Flask-Admin form (class "admin-form")."""

    def __init__(self):
        super().__init__()
        self.fields, self.selects = {}, {}
        self._in_form = self._select = self._textarea = None
        self._first_option = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "admin-form" in (attrs.get("class") or ""):
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input":
            self._input(attrs)
        elif tag == "select":
            self._select, self._first_option = attrs["name"], None
            self.selects[self._select] = None
        elif tag == "option" and self._select:
            self._option(attrs)
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.fields[self._textarea] = ""

    def _input(self, attrs):
        kind, name = attrs.get("type", "text"), attrs.get("name")
        if not name or kind in ("submit", "button", "file"):
            return
        if kind in ("checkbox", "radio") and "checked" not in attrs:
            return
        self.fields[name] = attrs.get("value", "on" if kind == "checkbox" else "")

    def _option(self, attrs):
        value = attrs.get("value", "")
        self._first_option = self._first_option if self._first_option is not None else value
        if "selected" in attrs:
            self.selects[self._select] = value

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "textarea":
            # Browsers drop the newline that follows <textarea>.
            text = self.fields[self._textarea]
            self.fields[self._textarea] = text[2:] if text.startswith("\r\n") else (
                text[1:] if text.startswith("\n") else text)
            self._textarea = None
        elif tag == "select" and self._select:
            # A browser submits the first option when none is selected.
            selected = self.selects[self._select]
            self.fields[self._select] = self._first_option if selected is None else selected
            self._select = None


def read_form(html: str) -> tuple[dict, dict]:
    """(what a browser would submit, which option each select shows as selected or None)."""
    parser = _AdminForm()
    parser.feed(html)
    return parser.fields, parser.selects
