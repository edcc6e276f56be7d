"""Console views of the catalogue: stock edits go through catalog.service (events), CSV upload."""

from flask import request
from flask_admin import expose

from admin.views import STAFF, SecureBaseView, SecureModelView
from catalog import imports, service
from core.extensions import db


class StockView(SecureModelView):
    can_create = can_delete = False
    column_list = ("store", "product", "quantity", "updated_at")
    column_filters = ("quantity",)
    form_columns = ("quantity",)
    empty_list_hint = ("商品 → CSV取り込み で在庫数を読み込むか、レジAPIから在庫を送ると、"
                       "ここに並びます。")

    def update_model(self, form, model):
        # Through the service, so the change is recorded as stock.changed / stock.restocked.
        service.set_stock(store_id=model.store_id, product_id=model.product_id,
                          quantity=int(form.quantity.data))
        db.session.commit()
        return True


class CatalogImportView(SecureBaseView):
    roles = STAFF

    @expose("/", methods=["GET", "POST"])
    def index(self):
        report, upload = None, request.files.get("file")
        if request.method == "POST" and upload:
            text = upload.read().decode("utf-8-sig")
            kind = request.form.get("kind")
            report = (imports.import_stock(text=text) if kind == "stock"
                      else imports.import_products(text=text))
            db.session.commit()
        return self.render("admin/csv_upload.html", title="商品・在庫CSV取り込み",
                           columns="商品: sku, jan, name, category, price, warranty_months, "
                                   "active, online_url ／ 在庫: store_code, sku, quantity",
                           kinds=[("products", "商品マスタ"), ("stock", "在庫数")], report=report)
