from flask import Blueprint

bp = Blueprint("incidents", __name__)
