"""Forms of the sync page and of the product page's sync buttons."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp

COUNTY_CODE = Regexp(r"^\d{6}$", message="区县编码必须是 6 位数字")
FILTER_FIELDS = ("q", "group", "brand", "category", "sale", "stock")


class StartSyncForm(FlaskForm):
    kind = RadioField(
        "同步内容",
        choices=[
            SelectChoice("catalogue", "商品目录和价格"),
            SelectChoice("prices", "价格"),
            SelectChoice("stock", "库存"),
        ],
        default="stock",
        validators=[InputRequired(message="请选择同步内容")],
    )
    scope = RadioField(
        "范围",
        choices=[SelectChoice("all", "全部商品"), SelectChoice("filter", "当前筛选的商品")],
        default="all",
        validators=[InputRequired(message="请选择范围")],
    )
    county_code = StringField("区县编码（库存）", validators=[Optional(), COUNTY_CODE])
    # The catalogue filter the page was opened with (/sync/?category=冰箱 …), carried as hidden fields.
    q = HiddenField(validators=[Optional(), Length(max=100)])
    group = HiddenField(validators=[Optional(), Length(max=50)])
    brand = HiddenField(validators=[Optional(), Length(max=50)])
    category = HiddenField(validators=[Optional(), Length(max=50)])
    sale = HiddenField(validators=[Optional(), Length(max=1)])
    stock = HiddenField(validators=[Optional(), Length(max=3)])

    def filter_fields(self) -> list[HiddenField]:
        return [self[name] for name in FILTER_FIELDS]

    def catalogue_filter(self) -> dict[str, str]:
        return {field.name: field.data for field in self.filter_fields() if field.data}


class ProductStockSyncForm(FlaskForm):
    county_code = StringField("区县编码", validators=[Optional(), COUNTY_CODE])


class ProductPriceSyncForm(FlaskForm):
    pass
