"""HTTP routes of the objectives service and the ministry's views (mixed into GatewayService)."""
import json
import re

from werkzeug.wrappers import Response

from jouda.services.gateway.api import ApiError, call, endpoint
from jouda.services.gateway.edge import http
from jouda.shared.events.catalogue import COUNCIL_ROLES
from jouda.shared.exports import csv_text

OBJECTIVE_ID = "/api/v1/objectives/<string:objective_id>"
INDICATOR_ID = "/api/v1/indicators/<string:indicator_id>"
MINISTRY = ("ministry",)
FORMATS = ("json", "csv")
UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


def attachment_name(filename):
    """A file name safe in a Content-Disposition header whatever the code in the path held."""
    return UNSAFE_IN_FILENAME.sub("_", filename)[:100]


def wants_csv(request):
    wanted = request.args.get("format", "json")
    if wanted not in FORMATS:
        raise ApiError(422, "validation_failed", "Some query parameters are invalid.",
                       {"format": ["json or csv."]})
    return wanted == "csv"


def csv_response(filename, columns, rows):
    return Response(csv_text(columns, rows), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{attachment_name(filename)}"'})


OVERVIEW_COLUMNS = ("tenant", "name", "policy_published", "policy_version", "policy_published_at",
                    "acknowledgement_rate", "objectives", "on_track", "at_risk", "off_track", "no_data", "achieved",
                    "abandoned", "reported_periods", "due_periods", "reporting_completeness", "completeness_as_of")
NATIONAL_INDICATOR_COLUMNS = ("tenant", "name", "indicator_id", "latest_period", "latest_value", "unit", "baseline",
                              "target", "status", "trend")



class ObjectivesRoutes:
    """Needs `self.api` and `self.objectives` (an RpcProxy) from the service class."""

    # --- objectives -----------------------------------------------------------------------------
    @http("POST", "/api/v1/objectives")
    @endpoint()
    def create_objective(self, request):
        return 201, call(self.objectives.create_objective, self.api.body(request))

    @http("GET", "/api/v1/objectives")
    @endpoint()
    def list_objectives(self, request):
        limit, offset = self.api.page(request)
        args = request.args
        return 200, call(self.objectives.list_objectives, args.get("orientation"), args.get("state"),
                         args.get("status"), limit, offset)

    @http("GET", OBJECTIVE_ID)
    @endpoint()
    def get_objective(self, request, objective_id):
        return 200, call(self.objectives.get_objective, objective_id)

    @http("PATCH", OBJECTIVE_ID)
    @endpoint()
    def update_objective(self, request, objective_id):
        return 200, call(self.objectives.update_objective, objective_id, self.api.body(request))

    @http("POST", OBJECTIVE_ID + "/indicators")
    @endpoint()
    def add_indicator(self, request, objective_id):
        return 201, call(self.objectives.add_indicator, objective_id, self.api.body(request))

    # --- indicators and measurements -----------------------------------------------------------
    @http("GET", INDICATOR_ID)
    @endpoint()
    def get_indicator(self, request, indicator_id):
        return 200, call(self.objectives.get_indicator, indicator_id)

    @http("POST", INDICATOR_ID + "/measurements")
    @endpoint()
    def record_measurement(self, request, indicator_id):
        return 201, call(self.objectives.record_measurement, indicator_id, self.api.body(request))

    @http("GET", INDICATOR_ID + "/measurements")
    @endpoint()
    def list_measurements(self, request, indicator_id):
        limit, offset = self.api.page(request)
        return 200, call(self.objectives.list_measurements, indicator_id, limit, offset)

    # --- the council's own views ---------------------------------------------------------------
    @http("GET", "/api/v1/dashboard")
    @endpoint()
    def dashboard(self, request):
        return 200, call(self.objectives.dashboard)

    @http("GET", "/api/v1/reporting-settings")
    @endpoint()
    def reporting_settings(self, request):
        return 200, call(self.objectives.reporting_settings)

    @http("PUT", "/api/v1/reporting-settings")
    @endpoint()
    def set_reporting_settings(self, request):
        return 200, call(self.objectives.set_reporting_settings, self.api.body(request))

    @http("GET", "/api/v1/catalogue")
    @endpoint(roles=COUNCIL_ROLES)
    def council_catalogue(self, request):
        """The national catalogue, read-only, for councils mapping their indicators."""
        return 200, call(self.objectives.catalogue)

    # --- the ministry ---------------------------------------------------------------------------
    @http("GET", "/api/v1/ministry/catalogue")
    @endpoint(roles=MINISTRY)
    def ministry_catalogue(self, request):
        return 200, call(self.objectives.catalogue)

    @http("POST", "/api/v1/ministry/catalogue")
    @endpoint(roles=MINISTRY)
    def add_catalogue_entry(self, request):
        return 201, call(self.objectives.add_catalogue_entry, self.api.body(request))

    @http("GET", "/api/v1/ministry/overview")
    @endpoint(roles=MINISTRY)
    def ministry_overview(self, request):
        as_csv = wants_csv(request)
        document = call(self.objectives.ministry_overview)
        if as_csv:
            rows = [{**row, **row["objectives_by_status"]} for row in json.loads(document)["items"]]
            return csv_response("jouda-overview.csv", OVERVIEW_COLUMNS, rows)
        return Response(document, mimetype="application/json")

    @http("GET", "/api/v1/ministry/indicators/<string:code>")
    @endpoint(roles=MINISTRY)
    def ministry_indicator(self, request, code):
        as_csv = wants_csv(request)
        document = call(self.objectives.ministry_indicator, code)
        if as_csv:
            return csv_response(f"jouda-{code}.csv", NATIONAL_INDICATOR_COLUMNS, json.loads(document)["items"])
        return Response(document, mimetype="application/json")
