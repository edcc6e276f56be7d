"""Console page 'データ出力': pick a dataset and a format, download it streamed. Admins may take
personal data; marketers get pseudonymised rows and aggregates; cashiers cannot open it."""

from flask import Response, flash, request, stream_with_context
from flask_admin import expose
from flask_login import current_user

from admin.models import Role
from admin.views import SecureBaseView
from exports.datasets import ALL, DATASETS, FORMATS
from exports.formats import CONTENT_TYPES
from exports.service import BadExportRequest, ExportRefused, plan_export


class ExportView(SecureBaseView):

    @expose("/")
    def index(self):
        return self._page()

    @expose("/download", methods=["POST"])
    def download(self):
        try:
            export = plan_export(user=current_user, role=current_user.role,
                                 dataset=request.form.get("dataset", ""),
                                 fmt=request.form.get("format", ""),
                                 pseudonymise=request.form.get("pseudonymise") == "1")
        except ExportRefused as exc:
            return str(exc), 403
        except BadExportRequest as exc:
            flash(str(exc), "error")
            return self._page(), 400
        content_type = CONTENT_TYPES["zip" if export.as_zip else export.fmt]
        return Response(stream_with_context(export.chunks()), content_type=content_type,
                        headers={"Content-Disposition":
                                 f'attachment; filename="{export.filename}"',
                                 "Cache-Control": "no-store"})

    def _page(self):
        choices = [(d.key, d.name) for d in DATASETS.values()]
        choices.append((ALL, "すべて（データごとに1ファイル、zipにまとめて）"))
        return self.render("admin/exports.html", datasets=choices, formats=FORMATS.items(),
                           personal_allowed=current_user.role == Role.ADMIN)
