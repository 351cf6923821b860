"""Pages of credit records, objections and the public dishonesty list (see credit/urls.py).

``credit:records`` (``credit-record/``), ``credit:record_detail``, ``credit:objection_new``,
``credit:objection_withdraw``, ``credit:objection_evidence``; the inspectors'
``credit:objection_queue`` (``credit/objections/``) and ``credit:objection_review``; the
public ``credit:dishonesty_list`` (``dishonesty-list/``).
"""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("credit-record/", views.records, name="records"),
    path("credit-record/<uuid:series>/", views.record_detail, name="record_detail"),
    path("credit-record/<uuid:series>/object/", views.objection_new, name="objection_new"),
    path(
        "credit-record/objections/<int:pk>/withdraw/",
        views.objection_withdraw,
        name="objection_withdraw",
    ),
    path(
        "credit/objections/<int:pk>/files/<uuid:file_id>/",
        views.objection_evidence,
        name="objection_evidence",
    ),
    path("credit/objections/", views.objection_queue, name="objection_queue"),
    path("credit/objections/<int:pk>/", views.objection_review, name="objection_review"),
    path("dishonesty-list/", views.dishonesty_list, name="dishonesty_list"),
]
