"""试题导入: every row checked with its reason in Chinese, all or nothing, idempotent;
hostile files refused before any reader opens them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.exams.conftest import XLSX, World, xlsx
from tests.support import hostile
from xueshi.errors import ServiceError
from xueshi.exams.models import Question, QuestionImport
from xueshi.exams.services import question_import

pytestmark = pytest.mark.django_db

GOOD = [
    ["单选题", "公需科目由谁确定？", "人社部门", "用人单位", None, None, "A", "由人社部门确定。"],
    ["多选", "继续教育的科目有？", "公需科目", "专业科目", "选修科目", None, "A、C,B", ""],
    ["判断题", "学时由服务器认定。", None, None, None, None, "对", ""],
    ["判断", "快进可以计学时。", None, None, None, None, "\u00d7", ""],  # the multiplication sign
]


def _import(world: World, upload: SimpleUploadedFile) -> QuestionImport:
    return question_import(
        exam_id=world.exam.pk,
        upload=upload,
        actor=world.bureau.assignment.user,
        active=world.bureau,
    )


def test_a_valid_file_adds_its_questions_and_a_second_upload_adds_nothing(
    guangde: World,
) -> None:
    before = Question.objects.filter(exam=guangde.exam).count()
    batch = _import(guangde, xlsx(GOOD))
    assert batch.accepted
    assert (batch.rows, batch.created, batch.unchanged) == (4, 4, 0)
    added = Question.objects.filter(exam=guangde.exam).order_by("-id")[:4]
    by_text = {q.text: q for q in added}
    assert by_text["继续教育的科目有？"].answer == "ABC"
    assert by_text["继续教育的科目有？"].kind == "multiple"
    assert by_text["学时由服务器认定。"].answer == "A"
    assert by_text["快进可以计学时。"].answer == "B"
    assert by_text["快进可以计学时。"].options == ["正确", "错误"]
    again = _import(guangde, xlsx(GOOD))
    assert (again.created, again.unchanged) == (0, 4)
    assert Question.objects.filter(exam=guangde.exam).count() == before + 4


def test_any_invalid_row_imports_nothing_and_each_says_why(guangde: World) -> None:
    before = Question.objects.count()
    rows = [
        *GOOD,
        ["填空题", "某题", "甲", "乙", None, None, "A", ""],
        ["单选题", "", "甲", "乙", None, None, "A", ""],
        ["单选题", "两个答案？", "甲", "乙", None, None, "AB", ""],
        ["多选题", "一个答案？", "甲", "乙", "丙", None, "A", ""],
        ["单选题", "选项不存在？", "甲", "乙", None, None, "D", ""],
        ["单选题", "只有一个选项？", "甲", None, None, None, "A", ""],
        ["单选题", "有空缺？", "甲", None, "丙", None, "A", ""],
        ["判断题", "判断？", None, None, None, None, "也许", ""],
        ["单选题", "公需科目由谁确定？", "人社部门", "用人单位", None, None, "A", ""],
    ]
    batch = _import(guangde, xlsx(rows))
    assert not batch.accepted
    assert Question.objects.count() == before
    messages = {line["row"]: line["message"] for line in batch.report if line["result"] == "error"}
    assert messages == {
        6: "题型“填空题”无效，应为单选题、多选题或判断题",
        7: "题干为空",
        8: "单选题只能有一个正确答案",
        9: "多选题至少应有两个正确答案",
        10: "答案“D”无效，应为 A–B 中的字母",
        11: "选择题至少需要两个选项（选项A、选项B）",
        12: "选项B为空，但后面还有选项",
        13: "判断题答案“也许”无效，应为“正确”或“错误”",
        14: "与第 2 行是同一道题",
    }


def test_a_file_without_the_header_is_refused_saying_what_is_missing(guangde: World) -> None:
    with pytest.raises(ServiceError, match="缺少：题型、答案"):
        _import(guangde, xlsx([["x"]], header=["题干", "选项A"]))
    assert not QuestionImport.objects.exists()


@pytest.mark.parametrize(
    ("made", "reason"),
    [
        (hostile.far_corner, "第 1,048,576 行"),
        (hostile.zip_bomb, "疑似压缩炸弹"),
        (hostile.billion_laughs, "XML 文档类型定义"),
        (lambda: b"%PDF-1.4 not a spreadsheet", "请上传 Excel 文件（.xlsx）"),
    ],
)
def test_hostile_files_are_refused_before_reading(
    guangde: World, made: Callable[[], bytes], reason: str
) -> None:
    data = made()
    with pytest.raises(ServiceError) as refused:
        _import(guangde, SimpleUploadedFile("试题.xlsx", data, content_type=XLSX))
    assert reason in refused.value.message
    assert not QuestionImport.objects.exists()


def test_only_the_courses_publisher_imports(guangde: World) -> None:
    from tests.exams.conftest import course_of

    _, other_bureau = course_of("440000", 2020)
    with pytest.raises(ServiceError, match="不是本单位发布的课程"):
        question_import(
            exam_id=guangde.exam.pk,
            upload=xlsx(GOOD),
            actor=other_bureau.assignment.user,
            active=other_bureau,
        )
