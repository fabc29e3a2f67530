"""SQLAlchemy models: persistence only, no business rules. Importing this package
registers every table on `Base.metadata`."""

# After every model: keeps the search columns (pharmacy.models.search) and the patients'
# identity (pharmacy.models.identity) as rows change.
from pharmacy.models import identity, search  # noqa: E402,F401,I001
from pharmacy.models.accounts import ROLES, ApiToken, LoginFailure, User, WebSession
from pharmacy.models.dispensing import FillPayment, PrintJob, PrintStation, ProductCheck
from pharmacy.models.people import Patient, Prescriber
from pharmacy.models.prescriptions import Prescription, PrescriptionStep
from pharmacy.models.printing import DOCUMENTS, PrintLog
from pharmacy.models.records import (
    AuditChainHead,
    AuditEvent,
    Counter,
    PharmacyDetails,
    RuleValue,
)
from pharmacy.models.refills import RefillRequest
from pharmacy.models.stock import (
    Batch,
    BatchComponent,
    Fill,
    Formula,
    IngredientLot,
    Item,
    Recall,
)

__all__ = [
    "DOCUMENTS",
    "PrintJob",
    "PrintLog",
    "PrintStation",
    "ProductCheck",
    "ROLES",
    "ApiToken",
    "AuditChainHead",
    "AuditEvent",
    "Batch",
    "BatchComponent",
    "Counter",
    "Fill",
    "FillPayment",
    "Formula",
    "IngredientLot",
    "Item",
    "LoginFailure",
    "Patient",
    "PharmacyDetails",
    "Prescriber",
    "Prescription",
    "PrescriptionStep",
    "Recall",
    "RefillRequest",
    "RuleValue",
    "User",
    "WebSession",
]
