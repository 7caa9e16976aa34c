"""The console's forms: WTForms fields with the session CSRF token (`security.ConsoleForm`).

Domain checks (is the document valid, is the quiz question proved by its source) are the shared
admin layer's; these forms only carry the fields and the token, with Vietnamese messages.
"""

from __future__ import annotations

from wtforms import (
    BooleanField,
    FileField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from bot.quiz.bank import DIFFICULTIES, KIND_NAMES, KINDS
from bot.web.security import ConsoleForm

REQUIRED = "Không được để trống."


class LoginForm(ConsoleForm):
    username = StringField("Tên đăng nhập", [DataRequired(REQUIRED), Length(max=64)])
    password = PasswordField("Mật khẩu", [DataRequired(REQUIRED), Length(max=256)])


class ActionForm(ConsoleForm):
    """A button that changes something and carries no fields but the token (log out, reindex)."""


class UploadForm(ConsoleForm):
    file = FileField("Tệp văn bản (.docx .pdf .txt .md .html)")


class ConfirmForm(ConsoleForm):
    token = HiddenField()
    replace = HiddenField()


class SupersedeForm(ConsoleForm):
    doc = HiddenField()
    by = StringField("Số hiệu văn bản thay thế (nếu có)", [Optional(), Length(max=64)])


class RemoveForm(ConsoleForm):
    doc = HiddenField()
    reason = StringField("Lý do", [Optional(), Length(max=300)])


class RestoreForm(ConsoleForm):
    doc = HiddenField()
    version = HiddenField()


class ValidityForm(ConsoleForm):
    unit = StringField("Đơn vị (ví dụ: khoản 3 Điều 51 36/2018/QH14)", [DataRequired(REQUIRED), Length(max=200)])
    change = SelectField("Thay đổi", choices=[SelectChoice(w, w) for w in ("bãi bỏ", "thay thế", "sửa đổi",
                                                                           "không còn phù hợp")])
    by = StringField("Căn cứ", [DataRequired(REQUIRED), Length(max=300)])
    since = StringField("Từ ngày (dd/mm/yyyy)", [DataRequired(REQUIRED), Length(max=20)])
    note = StringField("Ghi chú cho người đọc", [Optional(), Length(max=500)])
    current = StringField("Quy định hiện hành trong kho (tùy chọn)", [Optional(), Length(max=200)])


class ReviewForm(ConsoleForm):
    question_id = HiddenField()
    verdict = HiddenField()
    note = StringField("Văn bản còn thiếu", [Optional(), Length(max=300)])
    provision = StringField("Quy định đúng (ví dụ: khoản 1 Điều 8 42/2013/QH13)", [Optional(), Length(max=200)])
    phrase = StringField("Cách nói thường ngày", [Optional(), Length(max=60)])
    terms = StringField("Thuật ngữ pháp lý", [Optional(), Length(max=200)])


class QuizFlagForm(ConsoleForm):
    id = HiddenField()
    action = HiddenField()


class QuizForm(ConsoleForm):
    id = StringField("Mã câu hỏi", [DataRequired(REQUIRED), Length(max=128)])
    kind = SelectField("Loại", choices=[SelectChoice(k, KIND_NAMES.get(k, k)) for k in KINDS])
    topic = StringField("Chủ đề", [DataRequired(REQUIRED), Length(max=100)])
    difficulty = SelectField("Độ khó", choices=[SelectChoice(d, d) for d in DIFFICULTIES])
    question = TextAreaField("Câu hỏi", [DataRequired(REQUIRED)])
    options = TextAreaField("Phương án (mỗi dòng một phương án, 2–4 dòng)", [DataRequired(REQUIRED)])
    answer = SelectField("Đáp án đúng", choices=[SelectChoice(str(n), f"Phương án {n}") for n in range(1, 5)])
    doc = StringField("Văn bản (số hiệu)", [DataRequired(REQUIRED), Length(max=64)])
    article = StringField("Điều", [Optional(), Length(max=16)])
    clause = StringField("Khoản", [Optional(), Length(max=16)])
    point = StringField("Điểm", [Optional(), Length(max=8)])
    quote = TextAreaField("Trích nguyên văn chứng minh đáp án")
    explanation = TextAreaField("Giải thích (tối đa 200 ký tự)")
    enabled = BooleanField("Đang dùng")
