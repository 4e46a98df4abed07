from munseo.cli import app

app(prog_name="munseo")
