"""Console page 'システム': queues, workers and a round trip through the worker."""

from datetime import datetime

from flask import flash, redirect, url_for
from flask_admin import expose
from rq import Queue, Worker

from admin.models import Role
from admin.views import SecureBaseView
from core import jobs, maintenance

# What each queue carries (the name is what `flask worker --queue NAME` takes).
QUEUE_LABELS = {"realtime": "チャットの応答", "followups": "フォローアップ配信",
                "campaigns": "一斉配信", "maintenance": "定期処理"}
WORKER_STATES = {"idle": "待機中", "busy": "実行中", "started": "起動中", "suspended": "一時停止",
                 "dequeue_started": "取り出し中"}


class SystemView(SecureBaseView):
    roles = (Role.ADMIN,)

    @expose("/")
    def index(self):
        connection = jobs.connection()
        queues = [(name, Queue(name, connection=connection).count) for name in jobs.QUEUES]
        last = connection.get(maintenance.HEARTBEAT_KEY)
        return self.render("admin/system.html", queues=queues,
                           workers=Worker.all(connection=connection),
                           heartbeat=datetime.fromisoformat(last.decode()) if last else None,
                           worker_states=WORKER_STATES, queue_labels=QUEUE_LABELS)

    @expose("/ping-worker", methods=["POST"])
    def ping_worker(self):
        job = maintenance.record_worker_heartbeat.enqueue()
        flash(f"ワーカーにジョブ {job.id} を送りました。数秒後に再読み込みしてください。")
        return redirect(url_for(".index"))
