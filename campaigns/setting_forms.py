"""Console forms for follow-up settings: one typed field per parameter, its type taken from the
flow's default (whole number, list of whole numbers, yes/no); ranges and messages come from
campaigns.flow_params, which also checks the values when they are saved and used."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, ValidationError

from campaigns.flow_params import InvalidParam, check_param, describe
from campaigns.flows import Flow


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("整数で入力してください。") from exc


class WholeNumberListField(StringField):
    """Whole numbers separated by commas, e.g. "30, 90, 180"."""

    def _value(self):
        return ", ".join(map(str, self.data)) if isinstance(self.data, list) else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        parts = [part.strip() for part in valuelist[0].replace("、", ",").split(",")]
        try:
            self.data = [int(part) for part in parts if part]
        except ValueError as exc:
            self.data = None
            raise ValueError("整数をカンマ区切りで入力してください。") from exc


def _checked(key: str, default):
    """A validator asking the domain whether the value is allowed, with its message."""

    def validate(form, field):
        if field.process_errors:
            return  # not even a number: that message is already shown
        try:
            check_param(key, default, field.data)
        except InvalidParam as exc:
            raise ValidationError(str(exc)) from exc

    return validate


def _field(key: str, default):
    label = describe(key).label
    if isinstance(default, bool):
        return BooleanField(label)
    kind = WholeNumberListField if isinstance(default, list) else WholeNumberField
    return kind(label, validators=[_checked(key, default)])


def setting_form_class(flow: Flow) -> type[FlaskForm]:
    class SettingForm(FlaskForm):
        class Meta:
            csrf = False  # the page's own csrf_token field; CSRFProtect checks every POST

        enabled = BooleanField("有効")

    for key, default in flow.defaults.items():
        setattr(SettingForm, key, _field(key, default))
    return SettingForm


def setting_form(flow: Flow, *, formdata=None, enabled: bool = True, params: dict | None = None):
    """The flow's form, from a POST (formdata) or showing the current setting."""
    form = setting_form_class(flow)(formdata=formdata, prefix=f"{flow.key}-",
                                    data={"enabled": enabled, **(params or {})})
    form.flow_key = flow.key
    return form


def params_of(form, flow: Flow) -> dict:
    return {key: form[key].data for key in flow.defaults}
