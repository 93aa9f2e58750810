from django.urls import path

from xueshi.certificates.views import (
    booklets,
    bureau,
    certificate,
    employer,
    professional,
    proofs,
    public,
    stamps,
)

app_name = "certificates"

urlpatterns = [
    path("verify/", public.verify_page, name="verify"),
    path("mine/", professional.mine, name="mine"),
    path("issue/", certificate.issue, name="issue"),
    path("<int:pk>/", certificate.detail, name="detail"),
    path("<int:pk>/pdf/", certificate.pdf, name="pdf"),
    path("<int:pk>/stamp/", stamps.stamp, name="stamp"),
    path("<int:pk>/<str:action>/", bureau.change_status, name="change_status"),
    path("awaiting/", stamps.awaiting, name="awaiting"),
    path("employer/", employer.year_page, name="employer"),
    path("employer/print/", employer.print_start, name="print_start"),
    path("print/<int:pk>/", employer.print_job, name="print_job"),
    path("print/<int:pk>/download/", employer.print_download, name="print_download"),
    path("rosters/new/", employer.roster_new, name="roster_new"),
    path("rosters/<int:pk>/", employer.roster, name="roster"),
    path("rosters/<int:pk>/xlsx/", employer.roster_xlsx, name="roster_xlsx"),
    path("rosters/<int:pk>/process/", bureau.roster_process_view, name="roster_process"),
    path("bureau/", bureau.desk, name="bureau"),
    path("booklets/", booklets.booklet, name="booklet"),
    path("booklets/reentry/", booklets.reentry, name="reentry"),
    path("proofs/class/<int:pk>/", proofs.class_proofs, name="proofs_class"),
    path("proofs/class/<int:pk>/issue/", proofs.issue_one, name="proof_issue"),
    path("proofs/class/<int:pk>/batch/", proofs.batch_start, name="proof_batch_start"),
    path("proofs/<int:pk>/pdf/", proofs.proof_pdf, name="proof_pdf"),
    path("proofs/<int:pk>/<str:action>/", proofs.end, name="proof_end"),
    path("proofs/batch/<int:pk>/", proofs.batch_page, name="proof_batch"),
    path("proofs/batch/<int:pk>/download/", proofs.batch_download, name="proof_batch_download"),
]
