"""The web app served on port 8080 by `inclubot run`.

Each feature is a Flask blueprint registered here: the demo city pages with the widget
(web/pages.py), reading aloud (web/speech.py), feedback on answers (web/feedback.py) and the staff admin under /admin (knowledge/admin/).
"""
from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/health")
    def health():
        return {"status": "ok"}

    from knowledge.admin import init_admin

    init_admin(app)

    from web.feedback import feedback
    from web.pages import pages
    from web.speech import speech
    from web.widget import widget

    app.register_blueprint(widget)
    app.register_blueprint(speech)
    app.register_blueprint(feedback)
    app.register_blueprint(pages)
    return app
