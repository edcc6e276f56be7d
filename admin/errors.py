"""Error answers of the console in Japanese: a refused form, a missing page, a wrong method."""

from flask import request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: "送信内容を受け付けられませんでした。ページを開き直してからやり直してください。",
    403: "この画面を開く権限がありません。",
    404: "お探しのページは見つかりませんでした。メニューから開き直してください。",
    405: "この操作はこの画面からはできません。",
}
CSRF_MESSAGE = ("フォームの有効期限が切れたか、正しい画面から送信されていません。"
                "ページを再読み込みしてからやり直してください。")


def register_console_errors(app) -> None:
    @app.errorhandler(HTTPException)
    def _console_error(error: HTTPException):
        if not request.path.startswith(("/admin", "/login", "/logout")):
            return error  # other parts of the product answer their own way (JSON for the API)
        message = CSRF_MESSAGE if isinstance(error, CSRFError) else MESSAGES.get(error.code)
        if message is None:
            return error
        return (f'<!doctype html><html lang="ja"><meta charset="utf-8"><title>{message}</title>'
                f'<p>{message}</p><p><a href="/admin/">コンソールのトップへ</a></p>', error.code)
