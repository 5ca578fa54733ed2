from django.contrib.auth import views as auth_views

from portal.accounts.login_form import ThrottledAuthenticationForm

__all__ = ["LoginView"]


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled_for is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.throttled_for)
        return response
