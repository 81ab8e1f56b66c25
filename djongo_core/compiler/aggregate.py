"""Aggregation over a subquery (count() of a sliced or distinct QuerySet, aggregate() after
annotate()): the inner query's pipeline, then one `$group` over its rows."""

from django.db.models.sql.constants import MULTI

from djongo_core.command import Command
from djongo_core.compiler.expressions import Translator
from djongo_core.compiler.grouping import GroupStage
from djongo_core.compiler.lookups import literal
from djongo_core.compiler.select import QueryPlan, SQLCompiler


class SQLAggregateCompiler(SQLCompiler):
    def build_plan(self, outer=None):
        inner_compiler = self.query.inner_query.get_compiler(self.using, elide_empty=self.elide_empty)
        # Its datetimes as microseconds, which Min()/Max() over them keep (sub_milliseconds.py).
        inner_compiler.precise_columns = True
        inner = inner_compiler.build_plan()
        collection = inner.command.collection
        pipeline = inner.pipeline()
        # Outer expressions read the inner rows: Ref(name) names an inner select column.
        translator = Translator(self, {"subquery": ""})
        translator.refs = {
            name: _column_value(inner.columns[index])
            for name, index in inner_compiler.annotation_col_map.items()
        }
        group = GroupStage(translator)
        annotations = list(self.query.annotation_select.values())
        for annotation in annotations:
            group.add_aggregates(annotation)
        pipeline.extend(group.stages(annotations))
        translator.replacements = group.replacements
        projection = {"_id": 0}
        for index, annotation in enumerate(annotations):
            projection[f"c{index}"] = translator.expression(annotation)
        pipeline.append({"$project": projection})
        self.col_count = len(annotations)
        columns = [("key", f"c{index}") for index in range(len(annotations))]
        # The inner query's collation (its find options are not stages).
        options = {k: v for k, v in inner.command.kwargs.items() if k == "collation"}
        return QueryPlan(Command(collection, "aggregate", (pipeline,), options), columns)

    def execute_sql(self, result_type=MULTI, *args, **kwargs):
        self.select = []
        return super().execute_sql(result_type, *args, **kwargs)


def _column_value(column):
    kind, ref = column
    return "$" + ref if kind == "key" else literal(ref)

