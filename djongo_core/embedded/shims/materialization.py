"""Blocking stages over more than 50,000 documents (deviation "aggregation-materialization-limit").

MongoDB 6.0+ lets a `$group` or `$sort` that outgrows its memory limit spill to disk by default
(allowDiskUseByDefault), so `count()`, `aggregate()` and an ordered page of a 100,000-document
collection need no option. mongoeco 4.11's engines refuse any blocking stage over more than
50,000 input documents unless the command asks for allowDiskUse, which the backend, writing for
MongoDB 7.0+, does not send. The embedded server builds its engines without that limit
(mongoeco's own constructor option, `aggregation_materialization_limit=None`): the stage is then
computed in memory, which a development data set affords.
"""

ENGINE_OPTIONS = {"aggregation_materialization_limit": None}


def still_needed():
    """Return whether a mongoeco engine built with its defaults still caps blocking stages."""
    from mongoeco.engines.memory import MemoryEngine

    policy = MemoryEngine().aggregation_cost_policy
    return policy is not None and policy.max_materialized_documents is not None
