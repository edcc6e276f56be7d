from admin.models import ConsoleUser, Role


def test_create_user_command_creates_the_first_admin(app, session):
    result = app.test_cli_runner().invoke(args=["users", "create", "Boss@Example.com",
                                                "--password", "a-long-enough-password"])
    assert result.exit_code == 0, result.output
    user = session.query(ConsoleUser).one()
    assert (user.email, user.role) == ("boss@example.com", Role.ADMIN)
    assert user.check_password("a-long-enough-password")
    assert "a-long-enough-password" not in user.password_hash


def test_create_user_refuses_short_passwords_and_duplicates(app, session):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["users", "create", "a@example.com", "--password", "short"])
    assert short.exit_code != 0
    assert "at least 12 characters" in short.output
    runner.invoke(args=["users", "create", "a@example.com", "--password", "x" * 12])
    again = runner.invoke(args=["users", "create", "a@example.com", "--password", "y" * 12])
    assert "already exists" in again.output
    assert session.query(ConsoleUser).count() == 1
