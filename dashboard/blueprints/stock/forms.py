"""Forms of the product page's stock panel. Each carries a hidden idempotency key made when it is rendered."""

import uuid

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from dashboard.services.inventory import ADJUST_REASONS, LOCK_REASONS, RELEASE_REASONS

OTHER = "其他"


def new_key() -> str:
    return uuid.uuid4().hex


class WholeNumberField(IntegerField):
    """An integer field whose refusal is written for warehouse staff ("+5" and "-3" are fine)."""

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip()
        if not raw:
            self.data = None
            return
        try:
            self.data = int(raw)
        except ValueError:
            self.data = None
            raise ValueError("请输入整数，例如 5 或 -3") from None


class _LedgerForm(FlaskForm):
    reason = SelectField("原因")
    note = StringField("备注", validators=[Optional(), Length(max=150, message="备注不能超过 150 个字符")])
    idempotency_key = HiddenField(validators=[Optional(), Length(max=80)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Not an inline validator: Optional() on the note would stop the chain before it runs.
        if self.reason.data == OTHER and not (self.note.data or "").strip():
            self.note.errors = [*self.note.errors, "选择“其他”时请填写备注"]
            return False
        return valid

    def full_reason(self) -> str:
        """The reason from the list, plus the free-text note when there is one."""
        note = (self.note.data or "").strip()
        return f"{self.reason.data}：{note}" if note else self.reason.data

    def renew_key(self) -> None:
        self.idempotency_key.data = new_key()


class AdjustForm(_LedgerForm):
    mode = RadioField(
        "调整方式",
        choices=[
            SelectChoice("delta", "增减数量（如 +5 或 -3）"),
            SelectChoice("absolute", "设为新的库存数"),
        ],
        default="delta",
    )
    amount = WholeNumberField("数量", validators=[InputRequired("请填写数量")])
    reference = StringField(
        "参考号", validators=[Optional(), Length(max=100, message="参考号不能超过 100 个字符")]
    )
    expected_stock = WholeNumberField(validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = list(ADJUST_REASONS)


class LockForm(_LedgerForm):
    quantity = WholeNumberField("锁定数量", validators=[InputRequired("请填写锁定数量")])
    reference = StringField(
        "参考号（如订单号）", validators=[Optional(), Length(max=100, message="参考号不能超过 100 个字符")]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = list(LOCK_REASONS)


class ReleaseForm(_LedgerForm):
    quantity = WholeNumberField(
        "释放数量", validators=[Optional(), NumberRange(min=1, message="释放数量必须大于 0")]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = list(RELEASE_REASONS)
