"""A product's shop link is a web page (https; http in development), checked when stored and
before a tap on a follow-up is redirected to it."""

import dataclasses
import uuid
from urllib.parse import urlsplit

import pytest
from sqlalchemy import update

from campaigns.links import tracked_url
from campaigns.models import DeliveryClick
from catalog import imports
from catalog.links import NOT_A_SHOP_LINK
from catalog.models import Product
from line.models import Delivery
from tests.admin.forms import read_form

BAD_LINKS = ["javascript:alert(1)", "JavaScript:alert(document.cookie)", " javascript:alert(1)",
             "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>",
             "vbscript:msgbox(1)", "//evil.example/", "https://", "ftp://shop.example/x",
             "http://shop.example/x"]  # plain http only in development


@pytest.mark.parametrize("link", BAD_LINKS)
def test_a_product_never_stores_a_link_that_is_not_a_web_page(session, make, link):
    with pytest.raises(ValueError, match="https://"):
        make.product(online_url=link)
    session.rollback()
    assert session.query(Product).count() == 0


def test_https_links_are_stored_and_http_only_in_development(app, make, monkeypatch):
    assert make.product(online_url=" https://shop.example/p/1 ").online_url == \
        "https://shop.example/p/1"
    development = dataclasses.replace(app.config["SETTINGS"], env="development")
    monkeypatch.setitem(app.config, "SETTINGS", development)
    assert make.product(online_url="http://127.0.0.1:8000/p/2").online_url.startswith("http:")


def test_the_console_form_refuses_a_javascript_link_next_to_the_field(client, login, session):
    login(role="marketer")
    fields, _ = read_form(client.get("/admin/product/new/").get_data(as_text=True))
    answer = client.post("/admin/product/new/", data={
        **fields, "sku": "EVIL", "name": "罠", "category": "tops", "price": "100",
        "warranty_months": "0", "online_url": "javascript:alert(1)"})
    assert answer.status_code == 200
    assert NOT_A_SHOP_LINK in answer.get_data(as_text=True)
    assert session.query(Product).count() == 0


def test_editing_a_link_into_javascript_changes_nothing(client, login, make, session):
    product = make.product(online_url="https://shop.example/p/1")
    login(role="marketer")
    url = f"/admin/product/edit/?id={product.id}"
    fields, _ = read_form(client.get(url).get_data(as_text=True))
    answer = client.post(url, data={**fields, "online_url": "javascript:alert(1)"})
    assert NOT_A_SHOP_LINK in answer.get_data(as_text=True)
    session.expire_all()
    assert session.get(Product, product.id).online_url == "https://shop.example/p/1"


def test_the_csv_import_reports_a_bad_link_and_stores_the_good_rows(session, make):
    make.product(sku="KEEP", online_url="https://shop.example/keep")
    report = imports.import_products(text=(
        "sku,name,price,online_url\n"
        "EVIL,罠,100,javascript:alert(1)\n"
        "GOOD,良品,200,https://shop.example/good\n"))
    session.commit()
    assert report.errors == [f"2行目: {NOT_A_SHOP_LINK}"]
    assert session.query(Product).filter_by(sku="EVIL").count() == 0
    assert session.query(Product).filter_by(sku="GOOD").one().online_url == \
        "https://shop.example/good"

    imports.import_products(text="sku,name,price\nKEEP,名前だけ変更,300\n")  # no link column
    session.commit()
    assert session.query(Product).filter_by(sku="KEEP").one().online_url == \
        "https://shop.example/keep"


def _tap(client, session, make, stored_link):
    """A follow-up's tracked link to a product whose stored link is `stored_link`."""
    product = make.product(online_url="https://shop.example/p")
    # Stored before links were checked (a bulk update bypasses the model's check).
    session.execute(update(Product).where(Product.id == product.id)
                    .values(online_url=stored_link))
    delivery = Delivery(delivery_key=f"k-{uuid.uuid4()}", flow="after_purchase",
                        retry_key=str(uuid.uuid4()))
    session.add(delivery)
    session.commit()
    return client.get(urlsplit(tracked_url(delivery_id=delivery.id, product_id=product.id)).path)


def test_a_tap_on_a_stored_javascript_link_is_not_followed(client, session, make):
    answer = _tap(client, session, make, "javascript:alert(document.cookie)")
    assert answer.status_code == 404
    assert answer.location is None
    assert "商品ページを開けませんでした" in answer.get_data(as_text=True)
    assert session.query(DeliveryClick).count() == 0


def test_a_tap_on_a_good_link_is_recorded_and_redirected(client, session, make):
    answer = _tap(client, session, make, "https://shop.example/p/9")
    assert answer.status_code == 302
    assert answer.location == "https://shop.example/p/9"
    assert session.query(DeliveryClick).count() == 1
