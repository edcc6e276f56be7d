"""Rich menus: definitions, images, the default menu and per-user links."""

import secrets
import threading

from linesim.errors import LineError, invalid_body
from linesim.imageinfo import image_size

MIN_WIDTH, MAX_WIDTH, MIN_HEIGHT, MIN_RATIO = 800, 2500, 250, 1.45
MAX_IMAGE_BYTES = 1024 * 1024
MAX_AREAS = 20
REQUIRED_FIELDS = ("size", "selected", "name", "chatBarText", "areas")
IMAGE_TYPES = ("image/png", "image/jpeg")


def rich_menu_errors(body):
    """LINE's rules for a rich menu object beyond what the spec requires."""
    errors = [{"message": "must be specified", "property": name}
              for name in REQUIRED_FIELDS if name not in body]
    size = body.get("size") or {}
    width, height = size.get("width", 0), size.get("height", 0)
    if "size" in body and not _size_ok(width, height):
        errors.append({"message": "size must be 800-2500 px wide, at least 250 px high "
                                  "and at least 1.45 times as wide as high", "property": "size"})
    areas = body.get("areas") or []
    if len(areas) > MAX_AREAS:
        errors.append({"message": f"Size must be between 0 and {MAX_AREAS}", "property": "areas"})
    for index, area in enumerate(areas):
        if not _area_inside(area.get("bounds") or {}, width, height):
            errors.append({"message": "bounds must lie inside the rich menu",
                           "property": f"areas[{index}].bounds"})
        if "action" not in area:
            errors.append({"message": "must be specified", "property": f"areas[{index}].action"})
    return errors


def _size_ok(width, height):
    return MIN_WIDTH <= width <= MAX_WIDTH and height >= MIN_HEIGHT and width / height >= MIN_RATIO


def _area_inside(bounds, width, height):
    x, y = bounds.get("x", 0), bounds.get("y", 0)
    return x + bounds.get("width", 0) <= width and y + bounds.get("height", 0) <= height


class RichMenus:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.menus = {}
            self.images = {}
            self.default_id = None
            self.links = {}

    def create(self, body):
        errors = rich_menu_errors(body)
        if errors:
            raise invalid_body(errors)
        menu_id = "richmenu-" + secrets.token_hex(16)
        with self.lock:
            self.menus[menu_id] = {"richMenuId": menu_id, **body}
        return menu_id

    def get(self, menu_id):
        with self.lock:
            menu = self.menus.get(menu_id)
        if menu is None:
            raise LineError(404, "richmenu not found")
        return menu

    def list(self):
        with self.lock:
            return list(self.menus.values())

    def delete(self, menu_id):
        self.get(menu_id)
        with self.lock:
            del self.menus[menu_id]
            self.images.pop(menu_id, None)
            if self.default_id == menu_id:
                self.default_id = None
            self.links = {user: linked for user, linked in self.links.items() if linked != menu_id}

    def set_image(self, menu_id, content_type, data):
        self.get(menu_id)
        if content_type not in IMAGE_TYPES:
            raise LineError(415, "Unsupported Media Type: use image/jpeg or image/png")
        if len(data) > MAX_IMAGE_BYTES:
            raise LineError(413, "Request Entity Too Large: the image must be 1 MB or less")
        size = image_size(data, content_type)
        if size is None or not _size_ok(*size):
            raise LineError(400, "The image must be a JPEG or PNG 800-2500 px wide, at least "
                                 "250 px high and at least 1.45 times as wide as high")
        with self.lock:
            if menu_id in self.images:
                raise LineError(400, "An image has already been uploaded to the richmenu")
            self.images[menu_id] = (content_type, data)

    def image(self, menu_id):
        with self.lock:
            found = self.images.get(menu_id)
        if found is None:
            raise LineError(404, "Not found")
        return found

    def _usable(self, menu_id):
        self.get(menu_id)
        with self.lock:
            has_image = menu_id in self.images
        if not has_image:
            raise LineError(400, "must upload richmenu image before applying it to user")

    def set_default(self, menu_id):
        self._usable(menu_id)
        with self.lock:
            self.default_id = menu_id

    def default(self):
        with self.lock:
            menu_id = self.default_id
        if menu_id is None:
            raise LineError(404, "no default richmenu")
        return menu_id

    def cancel_default(self):
        with self.lock:
            self.default_id = None

    def link(self, user_ids, menu_id):
        self._usable(menu_id)
        with self.lock:
            for user_id in user_ids:
                self.links[user_id] = menu_id

    def unlink(self, user_ids):
        with self.lock:
            for user_id in user_ids:
                self.links.pop(user_id, None)

    def linked(self, user_id):
        with self.lock:
            menu_id = self.links.get(user_id)
        if menu_id is None:
            raise LineError(404, "the user has no richmenu")
        return menu_id

    def applying_to(self, user_id):
        """The menu a user sees: the linked one, else the default, else None."""
        with self.lock:
            menu_id = self.links.get(user_id) or self.default_id
            return self.menus.get(menu_id) if menu_id else None
