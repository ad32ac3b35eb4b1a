"""The stock-check form. CSRF is checked app-wide by CSRFProtect for POST; GET checks are bookmarkable."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from dashboard.blueprints.regions.widget import MAX_ADDRESS
from dashboard.services.stock_check import MAX_QUANTITY


class QuantityField(IntegerField):
    """An IntegerField whose parse error is in Chinese like the rest of the form."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("数量必须是整数") from None


class StockCheckForm(FlaskForm):
    class Meta:
        csrf = False  # CSRFProtect already guards every POST; GET checks must work from a link

    product_code = HiddenField("商品编码", validators=[Optional(), Length(max=32)])
    product_q = StringField("商品", validators=[Optional(), Length(max=100)])
    address = StringField("收货地址", validators=[Optional(), Length(max=500)])
    county_code = HiddenField(
        "区县编码", validators=[Optional(), Regexp(r"^\d{6}$", message="区县编码必须是 6 位数字")]
    )
    county_for = HiddenField("区县对应的地址", validators=[Optional(), Length(max=500)])
    quantity = QuantityField(
        "数量",
        default=1,
        validators=[
            InputRequired("请输入数量"),
            NumberRange(min=1, max=MAX_QUANTITY, message=f"数量必须在 1 到 {MAX_QUANTITY} 之间"),
        ],
    )
    refresh = BooleanField("刷新", default=False)

    def settled_county_code(self) -> str | None:
        """The widget's county code, unless the address text changed after the code was settled.

        The widget resolves after a short typing delay, so Enter pressed right after an edit posts the previous
        county; the edited text must then decide, never the stale code.
        """
        code = (self.county_code.data or "").strip() or None
        typed = (self.address.data or "").strip()[:MAX_ADDRESS]
        if code and (self.county_for.data or "").strip()[:MAX_ADDRESS] != typed:
            return None
        return code

    def location_given(self) -> bool:
        return bool((self.address.data or "").strip() or (self.county_code.data or "").strip())
