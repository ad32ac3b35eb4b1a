def test_two_signed_in_clients_in_one_test_are_different_users(app, login_as):
    viewer = login_as("viewer")
    admin = login_as("admin")
    assert admin.get("/sync/").status_code == 200
    assert viewer.get("/sync/").status_code == 403
    assert admin.get("/sync/").status_code == 200
