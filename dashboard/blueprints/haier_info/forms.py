from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

# Haier order codes look like SO.20190106.000003 and delivery records like SO.20190106.000003.F1.
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class LogisticsForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only GET look-up, bookmarkable

    order_code = StringField(
        "订单号",
        validators=[
            DataRequired("请输入订单号"),
            Length(max=64, message="订单号过长"),
            Regexp(CODE_PATTERN, message="订单号只能包含字母、数字、点、横线和下划线"),
        ],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    delivery_record_code = StringField(
        "发货单号（可选）",
        validators=[
            Optional(),
            Length(max=80, message="发货单号过长"),
            Regexp(CODE_PATTERN, message="发货单号只能包含字母、数字、点、横线和下划线"),
        ],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
