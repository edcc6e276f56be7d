"""The trail in Japanese: what each kind, action and actor is called on the console."""

from audit.models import ActorRole, Kind

KIND_LABELS = {
    Kind.CREATE: "作成", Kind.UPDATE: "変更", Kind.DELETE: "削除",
    Kind.SIGN_IN: "ログイン", Kind.SIGN_IN_FAILED: "ログイン失敗", Kind.SIGN_OUT: "ログアウト",
    Kind.REGISTER_KEY_ISSUE: "レジAPIキー発行", Kind.REGISTER_KEY_REVOKE: "レジAPIキー無効化",
    Kind.CAMPAIGN: "一斉配信の操作", Kind.WITHDRAWAL: "退会", Kind.ERASURE: "個人データ消去",
    Kind.EXPORT: "データ出力",
}
ACTION_LABELS = {
    "draft_created": "下書き作成", "draft_edited": "下書き編集", "confirm": "確定（配信予約）",
    "approve": "承認", "start": "配信開始", "pause": "一時停止", "resume": "再開",
    "cancel": "中止", "test_send": "テスト送信",
}
ROLE_LABELS = {
    ActorRole.ADMIN: "管理者", ActorRole.MARKETER: "マーケター", ActorRole.CASHIER: "レジ担当",
    ActorRole.MEMBER: "会員本人", ActorRole.SYSTEM: "システム",
    ActorRole.COMMAND: "コマンドライン", ActorRole.UNKNOWN: "不明なアカウント",
}
REASON_LABELS = {
    "wrong_password": "メールアドレスまたはパスワードの誤り", "locked": "ロック中",
    "throttled": "試行回数の上限", "withdrawal": "退会", "not_a_member": "会員でない利用者",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def action_label(action: str | None) -> str:
    return ACTION_LABELS.get(action, action) if action else ""


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)
